#include "budget/gpu_device_probe.hpp"

#include <QObject>

#include <algorithm>

namespace hoard::gui {

GpuListing engineGpuListing(bool refresh) {
    GpuListing listing;
    listing.gpus = hoard::list_gpus(refresh);
    listing.notes = hoard::gpu_probe_notes();
    return listing;
}

DeviceInfo toDeviceInfo(const hoard::GpuDevice& gpu) {
    DeviceInfo d;
    d.kind = DeviceInfo::Kind::Gpu;
    d.name = QString::fromStdString(gpu.name);
    d.api = gpu.backend == "cuda"     ? QStringLiteral("CUDA")
            : gpu.backend == "vulkan" ? QStringLiteral("Vulkan")
                                      : QString::fromStdString(gpu.backend);
    d.totalBytes = gpu.total_bytes;
    d.freeBytes = std::min(gpu.free_bytes, gpu.total_bytes);
    d.memoryBytesPerSecond = gpu.memory_bytes_per_second;
    d.usable = gpu.usable_by_hoard;
    d.detail = QString::fromStdString(gpu.detail);
    return d;
}

GpuDeviceProbe::GpuDeviceProbe(Source source) : source_(std::move(source)) {}

std::vector<DeviceInfo> GpuDeviceProbe::probe() {
    std::lock_guard lock(mutex_);
    const bool refresh = probed_;
    probed_ = true;
    std::vector<DeviceInfo> devices;
    try {
        const GpuListing listing = source_ ? source_(refresh) : GpuListing{};
        for (const hoard::GpuDevice& gpu : listing.gpus) devices.push_back(toDeviceInfo(gpu));
        notes_ = QString::fromStdString(listing.notes);
    } catch (const std::exception& e) {
        devices.clear();
        notes_ = QObject::tr("The GPU probe failed: %1").arg(QString::fromUtf8(e.what()));
    }
    return devices;
}

QString GpuDeviceProbe::notes() const {
    std::lock_guard lock(mutex_);
    return notes_;
}

} // namespace hoard::gui
