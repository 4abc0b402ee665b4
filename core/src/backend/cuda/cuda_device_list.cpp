#include "backend/cuda/cuda_device_list.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>

namespace hoard::backend::cuda {
namespace {

// Enough for any machine; a broken driver's count is not trusted further.
constexpr int kMaxDevices = 64;

std::string version_text(int version) {
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

// Why cudaGetDeviceCount failed, in words.
std::string count_failure(cudaError_t status, int driver_version, int runtime_version) {
    if (status == cudaErrorInsufficientDriver) {
        if (driver_version == 0) return "no NVIDIA driver (libcuda.so.1 was not found)";
        return "the NVIDIA driver supports CUDA " + version_text(driver_version) +
               ", older than the CUDA " + version_text(runtime_version) +
               " runtime Hoard is built with; update the driver";
    }
    if (status == cudaErrorNoDevice) return "the NVIDIA driver reports no CUDA GPU";
    return std::string("the CUDA runtime could not start: ") + cudaGetErrorString(status);
}

} // namespace

DeviceListing list_devices() {
    DeviceListing listing;
    cudaDriverGetVersion(&listing.driver_version); // 0 when there is no driver
    cudaRuntimeGetVersion(&listing.runtime_version);
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        cudaGetLastError();
        listing.reason = count_failure(status, listing.driver_version, listing.runtime_version);
        return listing;
    }
    if (count <= 0) {
        listing.reason = "the NVIDIA driver reports no CUDA GPU";
        return listing;
    }
    count = std::min(count, kMaxDevices);

    int previous = 0;
    const bool restore = cudaGetDevice(&previous) == cudaSuccess;
    for (int index = 0; index < count; ++index) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
            cudaGetLastError();
            listing.reason += "CUDA device " + std::to_string(index) + " could not be read. ";
            continue;
        }
        ListedDevice device;
        DeviceInfo& info = device.info;
        info.index = index;
        info.name = prop.name;
        info.compute_major = prop.major;
        info.compute_minor = prop.minor;
        info.multiprocessors = prop.multiProcessorCount;
        info.total_bytes = prop.totalGlobalMem;
        int clock_khz = 0, bus_bits = 0;
        cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, index);
        cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, index);
        info.memory_bandwidth = 2.0 * double(clock_khz) * 1e3 * double(bus_bits) / 8.0;
        static_assert(sizeof(prop.uuid.bytes) == sizeof(device.uuid));
        std::memcpy(device.uuid.data(), prop.uuid.bytes, device.uuid.size());
        device.pci_domain = prop.pciDomainID;
        device.pci_bus = prop.pciBusID;
        device.pci_device = prop.pciDeviceID;
        // Free memory is a property of a context: read it on the device's own.
        size_t free_bytes = 0, total_bytes = 0;
        if (cudaSetDevice(index) == cudaSuccess &&
            cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
            info.free_bytes = free_bytes;
            if (total_bytes) info.total_bytes = total_bytes;
        } else {
            cudaGetLastError(); // listed with its free memory unknown (0)
        }
        listing.devices.push_back(std::move(device));
    }
    if (restore) cudaSetDevice(previous);
    cudaGetLastError();
    return listing;
}

} // namespace hoard::backend::cuda
