// CUDA GPUs for hoard::list_gpus, through the CUDA backend's device listing.
#include "api/gpu_listing.hpp"

#if HOARD_HAVE_CUDA
#include "backend/cuda/cuda_device_list.hpp"
#endif

#include <exception>

namespace hoard::api {

#if HOARD_HAVE_CUDA

namespace {

std::string cuda_version_text(int version) {
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

} // namespace

GpuProbe probe_cuda_gpus() {
    GpuProbe probe;
    try {
        const backend::cuda::DeviceListing listing = backend::cuda::list_devices();
        probe.reason = listing.reason;
        for (const backend::cuda::ListedDevice& listed : listing.devices) {
            const backend::cuda::DeviceInfo& info = listed.info;
            ProbedGpu gpu;
            gpu.uuid = listed.uuid;
            gpu.device.backend = "cuda";
            gpu.device.name =
                info.name.empty() ? "CUDA device " + std::to_string(info.index) : info.name;
            gpu.device.total_bytes = info.total_bytes;
            gpu.device.free_bytes = info.free_bytes;
            gpu.device.memory_bytes_per_second = info.memory_bandwidth;
            gpu.device.usable_by_hoard = true;
            gpu.device.detail = "device " + std::to_string(info.index) + " · compute " +
                                std::to_string(info.compute_major) + "." +
                                std::to_string(info.compute_minor) + " · " +
                                std::to_string(info.multiprocessors) + " SMs · PCI " +
                                pci_address(uint32_t(listed.pci_domain), uint32_t(listed.pci_bus),
                                            uint32_t(listed.pci_device), 0) +
                                " · driver for CUDA " + cuda_version_text(listing.driver_version);
            probe.gpus.push_back(std::move(gpu));
        }
    } catch (const std::exception& e) { // a string or vector allocation; nothing else throws
        probe.gpus.clear();
        probe.reason = std::string("the CUDA probe failed: ") + e.what();
    }
    return probe;
}

#else

GpuProbe probe_cuda_gpus() {
    GpuProbe probe;
    probe.reason = "this Hoard is built without CUDA";
    return probe;
}

#endif

} // namespace hoard::api
