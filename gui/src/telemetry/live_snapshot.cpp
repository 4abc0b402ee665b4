#include "telemetry/live_snapshot.hpp"

#include <limits>

namespace hoard::gui {

TelemetrySnapshot fromLiveSnapshot(const hoard::LiveSnapshot& live) {
    TelemetrySnapshot s;
    s.sequence = live.sequence;
    s.time = live.engine_time;
    s.tokensPerSecond =
        live.decode_tokens > 0 ? live.tokens_per_second : std::numeric_limits<double>::quiet_NaN();
    s.prefillTokensPerSecond = live.prefill_tokens_per_second;
    s.generatedTokens = live.total_generated_tokens;
    s.hostToDeviceBytesPerSecond = live.host_to_device_bytes_per_second;
    s.storageToHostBytesPerSecond = live.storage_to_host_bytes_per_second;
    const uint64_t selected = live.total.selections();
    s.hasExpertStats = selected > 0;
    if (!s.hasExpertStats) return s;
    const double all = double(selected);
    s.hitRate = double(live.total.hits()) / all;
    s.highFraction = double(live.total.hit_high + live.total.load_high) / all;
    s.lowFraction = double(live.total.hit_low + live.total.load_low) / all;
    s.cpuFraction = double(live.total.cpu) / all;
    s.skipFraction = double(live.total.skip) / all;
    s.cpuExperts = live.total.cpu;
    s.layerHitRates.reserve(live.layers.size());
    for (const auto& layer : live.layers)
        s.layerHitRates.push_back(layer.selections() ? layer.hit_rate()
                                                     : std::numeric_limits<double>::quiet_NaN());
    return s;
}

bool hasActivity(const hoard::LiveSnapshot& live) {
    return live.decode_tokens + live.prefill_tokens > 0 || live.total.selections() > 0;
}

} // namespace hoard::gui
