#pragma once
// Every CUDA GPU with its memory, for listing (hoard::list_gpus); the engine
// itself picks its device with find_device (cuda_device.hpp).
#include "backend/cuda/cuda_device.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hoard::backend::cuda {

struct ListedDevice {
    DeviceInfo info;
    std::array<uint8_t, 16> uuid{}; // the same bytes Vulkan reports as deviceUUID
    int pci_domain = 0, pci_bus = 0, pci_device = 0;
};

struct DeviceListing {
    std::vector<ListedDevice> devices;
    int driver_version = 0;  // 12040 for 12.4; 0 without a driver
    int runtime_version = 0; // of the CUDA runtime Hoard is linked with
    std::string reason;      // why `devices` is empty ("no NVIDIA driver ..."), in words
};

// Reads each device's properties and free memory (making it current for the
// moment, which creates its primary context, then restoring the caller's).
// Never throws; a device that cannot be read is left out and said in `reason`.
DeviceListing list_devices();

} // namespace hoard::backend::cuda
