#include "telemetry/offload_window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hoard::gui {
namespace {

uint64_t delta(uint64_t before, uint64_t after) {
    return after > before ? after - before : 0;
}

// Hit-high, hit-low, load-high, load-low, CPU, skip (OffloadCounters::actions).
enum Action { HitHigh, HitLow, LoadHigh, LoadLow, Cpu, Skip };

} // namespace

void fillOffloadWindow(TelemetrySnapshot& s, const hoard::OffloadCounters& before,
                       const hoard::OffloadCounters& after, double seconds) {
    std::array<uint64_t, 6> n{};
    uint64_t total = 0;
    for (size_t a = 0; a < n.size(); ++a) {
        n[a] = delta(before.actions[a], after.actions[a]);
        total += n[a];
    }
    if (total == 0) return;
    s.hasExpertStats = true;
    const double all = double(total);
    s.hitRate = double(n[HitHigh] + n[HitLow]) / all;
    s.highFraction = double(n[HitHigh] + n[LoadHigh]) / all;
    s.lowFraction = double(n[HitLow] + n[LoadLow]) / all;
    s.cpuFraction = double(n[Cpu]) / all;
    s.skipFraction = double(n[Skip]) / all;
    s.cpuExperts = n[Cpu];
    if (seconds > 0) {
        s.hostToDeviceBytesPerSecond =
            double(delta(before.bytes_to_device(), after.bytes_to_device())) / seconds;
        s.storageToHostBytesPerSecond =
            double(delta(before.bytes_storage_to_host, after.bytes_storage_to_host)) / seconds;
    }
    const size_t layers = std::min(after.layer_requests.size(), after.layer_hits.size());
    s.layerHitRates.assign(layers, std::numeric_limits<double>::quiet_NaN());
    for (size_t l = 0; l < layers; ++l) {
        const uint64_t was_requests =
            l < before.layer_requests.size() ? before.layer_requests[l] : 0;
        const uint64_t was_hits = l < before.layer_hits.size() ? before.layer_hits[l] : 0;
        const uint64_t requests = delta(was_requests, after.layer_requests[l]);
        if (requests == 0) continue;
        s.layerHitRates[l] =
            std::clamp(double(delta(was_hits, after.layer_hits[l])) / double(requests), 0.0, 1.0);
    }
}

OffloadReplySummary summarizeOffload(const hoard::OffloadCounters& before,
                                     const hoard::OffloadCounters& after) {
    OffloadReplySummary r;
    uint64_t hits = 0;
    for (size_t a = 0; a < after.actions.size(); ++a) {
        const uint64_t d = delta(before.actions[a], after.actions[a]);
        r.requests += d;
        if (a == HitHigh || a == HitLow) hits += d;
    }
    r.hitRate = r.requests ? double(hits) / double(r.requests) : 0.0;
    r.bytesToDevice = delta(before.bytes_to_device(), after.bytes_to_device());
    r.deviceCapacity = after.device_capacity;
    r.devicePeak = after.device_peak;
    return r;
}

} // namespace hoard::gui
