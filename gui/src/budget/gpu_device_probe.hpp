#pragma once
// The GPUs the engine finds (hoard::list_gpus): CUDA ones, which Hoard
// computes on, and Vulkan ones, which it only lists for now. Where the list
// comes from is a hook, so tests feed it device lists of their own.
#include "budget/device_probe.hpp"
#include "hoard/devices.hpp"

#include <functional>
#include <mutex>
#include <string>

namespace hoard::gui {

struct GpuListing {
    std::vector<hoard::GpuDevice> gpus;
    std::string notes; // why there are none ("CUDA: no NVIDIA driver; ...")
};

// hoard::list_gpus(refresh) and hoard::gpu_probe_notes().
GpuListing engineGpuListing(bool refresh);

// One engine GPU as the planner shows it.
DeviceInfo toDeviceInfo(const hoard::GpuDevice& gpu);

class GpuDeviceProbe : public DeviceProbe {
  public:
    // Called with refresh = false the first time (the engine's cached
    // listing), true afterwards (free memory changes as programs allocate).
    using Source = std::function<GpuListing(bool refresh)>;

    explicit GpuDeviceProbe(Source source = engineGpuListing);
    std::vector<DeviceInfo> probe() override;
    QString notes() const override;

  private:
    Source source_;
    mutable std::mutex mutex_; // probe() runs on a worker lane
    bool probed_ = false;
    QString notes_;
};

} // namespace hoard::gui
