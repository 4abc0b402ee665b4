#pragma once
// The pieces of hoard::list_gpus (devices_api.cpp): each backend's probe
// returns what it found and, when nothing, why; the lists are then merged so
// that a GPU both CUDA and Vulkan see is listed once.
#include "hoard/devices.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hoard::api {

using DeviceUuid = std::array<uint8_t, 16>;

struct ProbedGpu {
    GpuDevice device;
    std::optional<DeviceUuid> uuid; // CUDA's uuid and Vulkan's deviceUUID agree for one GPU
    bool software = false;          // a CPU renderer (llvmpipe); not a GPU to plan for
};

struct GpuProbe {
    std::vector<ProbedGpu> gpus;
    std::string reason; // why `gpus` is empty, in words
};

// CUDA GPUs through the CUDA backend ("built without CUDA" when there is none).
GpuProbe probe_cuda_gpus();

// Vulkan devices through the loader opened at run time. Software renderers
// are listed (marked) only when `include_software`. Never throws.
GpuProbe probe_vulkan_gpus(bool include_software = false);

struct GpuListing {
    std::vector<GpuDevice> gpus;
    std::string notes; // "CUDA: ...; Vulkan: ..." for each backend that found nothing
};

// CUDA GPUs first, then the Vulkan ones CUDA did not list (by UUID);
// software renderers are left out.
GpuListing merge_gpu_probes(const GpuProbe& cuda, const GpuProbe& vulkan);

// "0000:01:00.0"
std::string pci_address(uint32_t domain, uint32_t bus, uint32_t device, uint32_t function);

} // namespace hoard::api
