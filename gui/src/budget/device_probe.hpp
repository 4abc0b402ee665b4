#pragma once
// What memory the budget planner can plan for. The GPU probe
// (gpu_device_probe.hpp) lists what the engine finds through CUDA and Vulkan;
// the host probe reports system memory and its measured bandwidth. Probes run
// on a worker lane.
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace hoard::gui {

struct DeviceInfo {
    enum class Kind { Host, Gpu };
    Kind kind = Kind::Host;
    QString name; // "AMD Ryzen 7 7800X3D", "NVIDIA GeForce RTX 4070"
    QString api;  // "system memory", "CUDA", "Vulkan"
    uint64_t totalBytes = 0, freeBytes = 0;
    double memoryBytesPerSecond = 0; // 0: not measured
    double linkBytesPerSecond = 0;   // host ↔ device; 0 for the host
    // Hoard computes on it: the host and CUDA GPUs; a Vulkan GPU is only listed.
    bool usable = true;
    QString detail; // "compute 8.9 · 46 SMs · PCI 0000:01:00.0", or empty
};

class DeviceProbe {
  public:
    virtual ~DeviceProbe() = default;
    // Never throws: a probe that finds nothing returns nothing.
    virtual std::vector<DeviceInfo> probe() = 0;
    // Why the last probe() found nothing (or less than one might expect), in
    // words for the user; empty when there is nothing to say.
    virtual QString notes() const { return {}; }
};

// System memory from /proc/meminfo, the CPU's name from /proc/cpuinfo, and
// the read bandwidth from the engine's measurement.
class HostDeviceProbe : public DeviceProbe {
  public:
    explicit HostDeviceProbe(bool measureBandwidth = true) : measure_(measureBandwidth) {}
    std::vector<DeviceInfo> probe() override;

  private:
    bool measure_;
};

// Every registered probe's devices, in order.
class CompositeDeviceProbe : public DeviceProbe {
  public:
    void add(std::unique_ptr<DeviceProbe> probe) { probes_.push_back(std::move(probe)); }
    std::vector<DeviceInfo> probe() override;
    QString notes() const override; // every probe's notes, one after another

  private:
    std::vector<std::unique_ptr<DeviceProbe>> probes_;
};

// What "meminfo" says, parsed (exposed for tests).
struct MemInfo {
    uint64_t totalBytes = 0, availableBytes = 0;
};
MemInfo parseMemInfo(const QByteArray& text);
QString parseCpuName(const QByteArray& cpuinfo);

} // namespace hoard::gui
