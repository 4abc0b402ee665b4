#include "backend/cuda/cuda_device.hpp"

#include "backend/cuda/cuda_check.hpp"

#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

std::optional<DeviceInfo> find_device(std::string& reason) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        cudaGetLastError();
        reason = std::string("no CUDA device: ") + cudaGetErrorString(status);
        return std::nullopt;
    }
    if (count == 0) {
        reason = "no CUDA device: the driver reports none";
        return std::nullopt;
    }
    DeviceInfo info;
    cudaDeviceProp prop{};
    if (cudaGetDevice(&info.index) != cudaSuccess ||
        cudaGetDeviceProperties(&prop, info.index) != cudaSuccess) {
        cudaGetLastError();
        reason = "no CUDA device: its properties could not be read";
        return std::nullopt;
    }
    info.name = prop.name;
    info.compute_major = prop.major;
    info.compute_minor = prop.minor;
    info.multiprocessors = prop.multiProcessorCount;
    int clock_khz = 0, bus_bits = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, info.index);
    cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, info.index);
    info.memory_bandwidth = 2.0 * double(clock_khz) * 1e3 * double(bus_bits) / 8.0;
    if (cudaMemGetInfo(&info.free_bytes, &info.total_bytes) != cudaSuccess) {
        cudaGetLastError();
        reason = "no CUDA device: " + info.name + " did not report its memory";
        return std::nullopt;
    }
    return info;
}

void device_memory_info(size_t& free_bytes, size_t& total_bytes) {
    check_cuda(cudaMemGetInfo(&free_bytes, &total_bytes), "reading the GPU's free memory");
}

} // namespace hoard::backend::cuda
