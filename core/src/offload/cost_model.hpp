#pragma once
// Time the offload engine's work takes, from measured (or assumed) rates:
// moving expert bytes over a link, and computing an expert for one decode
// token on the device or on the CPU, both limited by how fast they stream the
// expert's weights. Loads run on a copy queue beside the compute queue when
// `overlap` is on.
#include <cstdint>

namespace hoard::offload {

struct LinkModel {
    double bytes_per_second = 25e9; // PCIe 4.0 x16, what a transfer sustains
    double latency_seconds = 10e-6; // per transfer
    double seconds(uint64_t bytes) const {
        return latency_seconds + double(bytes) / bytes_per_second;
    }
};

struct CostModel {
    LinkModel host_to_device;               // host memory → device
    LinkModel storage_to_host{3e9, 100e-6}; // model file (NVMe) → host memory
    double device_bytes_per_second = 900e9; // expert weights the device streams per second
    double cpu_bytes_per_second = 40e9;     // expert weights the CPU streams per second
    double cpu_latency_seconds = 30e-6;     // hand-off and result copy of one CPU expert
    bool overlap = true;                    // copy queue separate from compute queue

    double device_seconds(uint64_t bytes) const { return double(bytes) / device_bytes_per_second; }
    double cpu_seconds(uint64_t bytes) const {
        return cpu_latency_seconds + double(bytes) / cpu_bytes_per_second;
    }
    void validate() const; // throws hoard::Error for rates that are not positive
};

} // namespace hoard::offload
