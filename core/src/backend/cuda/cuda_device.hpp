#pragma once
// Whether a usable CUDA GPU is present, and what it is.
#include <cstddef>
#include <optional>
#include <string>

namespace hoard::backend::cuda {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int compute_major = 0, compute_minor = 0;
    int multiprocessors = 0;
    size_t total_bytes = 0;
    size_t free_bytes = 0;
    double memory_bandwidth = 0; // bytes/s from the memory clock and bus width (a datasheet figure)
};

// The current device, or nullopt with `reason` saying why there is none
// ("no CUDA device: ..."). Never throws.
std::optional<DeviceInfo> find_device(std::string& reason);

// Free and total device memory now.
void device_memory_info(size_t& free_bytes, size_t& total_bytes);

} // namespace hoard::backend::cuda
