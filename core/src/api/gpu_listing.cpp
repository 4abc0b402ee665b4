#include "api/gpu_listing.hpp"

#include <algorithm>
#include <cstdio>

namespace hoard::api {
namespace {

bool same_gpu(const ProbedGpu& a, const ProbedGpu& b) {
    return a.uuid && b.uuid && *a.uuid == *b.uuid;
}

void add_note(std::string& notes, const char* backend, const std::string& reason) {
    if (!notes.empty()) notes += "; ";
    notes += backend;
    notes += ": ";
    notes += reason.empty() ? "no GPU found" : reason;
}

} // namespace

GpuListing merge_gpu_probes(const GpuProbe& cuda, const GpuProbe& vulkan) {
    GpuListing listing;
    size_t cuda_count = 0, vulkan_count = 0;
    for (const ProbedGpu& gpu : cuda.gpus) {
        if (gpu.software) continue;
        listing.gpus.push_back(gpu.device);
        ++cuda_count;
    }
    for (const ProbedGpu& gpu : vulkan.gpus) {
        if (gpu.software) continue;
        ++vulkan_count;
        const bool listed_by_cuda =
            std::any_of(cuda.gpus.begin(), cuda.gpus.end(), [&](const ProbedGpu& other) {
                return !other.software && same_gpu(gpu, other);
            });
        if (!listed_by_cuda) listing.gpus.push_back(gpu.device);
    }
    for (GpuDevice& gpu : listing.gpus) gpu.free_bytes = std::min(gpu.free_bytes, gpu.total_bytes);
    if (cuda_count == 0) add_note(listing.notes, "CUDA", cuda.reason);
    if (vulkan_count == 0) add_note(listing.notes, "Vulkan", vulkan.reason);
    return listing;
}

std::string pci_address(uint32_t domain, uint32_t bus, uint32_t device, uint32_t function) {
    char text[32];
    std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x", domain & 0xffffu, bus & 0xffu,
                  device & 0xffu, function & 0xfu);
    return text;
}

} // namespace hoard::api
