// hoard::list_gpus and gpu_probe_notes (hoard/devices.hpp): both backends'
// probes run once and the merged result is kept, because creating a Vulkan
// instance and CUDA contexts takes time and their results rarely change.
#include "hoard/devices.hpp"

#include "api/gpu_listing.hpp"

#include <exception>
#include <mutex>
#include <optional>

namespace hoard {
namespace {

std::mutex probe_mutex;
std::optional<api::GpuListing> cached; // guarded by probe_mutex

api::GpuListing probe_all() {
    try {
        return api::merge_gpu_probes(api::probe_cuda_gpus(), api::probe_vulkan_gpus());
    } catch (const std::exception& e) { // allocation only: the probes do not throw
        api::GpuListing listing;
        listing.notes = std::string("the GPU probe failed: ") + e.what();
        return listing;
    }
}

} // namespace

std::vector<GpuDevice> list_gpus(bool refresh) {
    try {
        std::lock_guard lock(probe_mutex);
        if (refresh || !cached) cached = probe_all();
        return cached->gpus;
    } catch (const std::exception&) { // copying the list ran out of memory
        return {};
    }
}

std::string gpu_probe_notes() {
    try {
        std::lock_guard lock(probe_mutex);
        if (!cached) cached = probe_all();
        return cached->notes;
    } catch (const std::exception&) {
        return "the GPU probe could not report (out of memory)";
    }
}

} // namespace hoard
