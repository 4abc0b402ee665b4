#include "offload/cost_model.hpp"

#include "hoard/error.hpp"

#include <cmath>

namespace hoard::offload {

void CostModel::validate() const {
    const double rates[] = {host_to_device.bytes_per_second, storage_to_host.bytes_per_second,
                            device_bytes_per_second, cpu_bytes_per_second};
    for (double r : rates)
        if (!(r > 0) || !std::isfinite(r))
            throw Error("bandwidths and throughputs must be positive numbers");
    const double latencies[] = {host_to_device.latency_seconds, storage_to_host.latency_seconds,
                                cpu_latency_seconds};
    for (double l : latencies)
        if (!(l >= 0) || !std::isfinite(l)) throw Error("latencies must not be negative");
}

} // namespace hoard::offload
