#pragma once
// The GPUs on this machine, as the CUDA runtime (when Hoard is built with its
// CUDA backend) and the Vulkan loader (opened at run time, when installed)
// report them. For the budget planner and `hoard devices`: what memory there
// is to plan for, and whether Hoard can compute on it.
#include <cstdint>
#include <string>
#include <vector>

namespace hoard {

struct GpuDevice {
    std::string backend; // "cuda" or "vulkan"
    std::string name;    // "NVIDIA GeForce RTX 4070"
    uint64_t total_bytes = 0;
    uint64_t free_bytes = 0; // 0 when the driver does not say
    // Compute capability, driver, PCI bus, ... in one line for people.
    std::string detail;
    // Memory bandwidth from the memory clock and bus width (a datasheet
    // figure, bytes/s); 0 when unknown.
    double memory_bytes_per_second = 0;
    // Hoard can run models on it: true for CUDA GPUs (Hoard has a CUDA
    // backend), false for Vulkan ones until a Vulkan backend exists.
    bool usable_by_hoard = false;
};

// Every GPU found, CUDA ones first. A GPU that both CUDA and Vulkan see is
// listed once, as its CUDA device. Software renderers (llvmpipe) are left out.
// The first call probes (and creates a CUDA context on each CUDA GPU, which is
// what reading its free memory takes); later calls return that result unless
// `refresh` asks to probe again. Never throws; thread-safe.
std::vector<GpuDevice> list_gpus(bool refresh = false);

// Why each backend found nothing, in words ("CUDA: built without CUDA;
// Vulkan: no Vulkan loader (libvulkan.so.1)"), from the same probe as
// list_gpus() (which it runs when nothing was probed yet). Empty when every
// backend found a GPU.
std::string gpu_probe_notes();

} // namespace hoard
