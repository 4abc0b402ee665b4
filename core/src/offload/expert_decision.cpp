#include "offload/expert_decision.hpp"

namespace hoard::offload {

ExpertDecision decide_expert(const ExpertSituation& s, const CostModel& cost,
                             const DecisionOptions& options) {
    ExpertDecision d;
    const bool want_low = s.demand.precision == Precision::Low;
    if (s.resident == Precision::High) {
        d.action = ExpertAction::HitHigh;
        return d;
    }
    if (s.resident == Precision::Low && want_low) {
        d.action = ExpertAction::HitLow;
        return d;
    }
    if (s.demand.negligible && options.allow_skip) {
        d.action = ExpertAction::Skip;
        return d;
    }
    const uint64_t load_bytes = want_low ? s.bytes_low : s.bytes_high;
    const bool load_in_host = want_low ? s.low_in_host : s.high_in_host;
    d.load_seconds = (load_in_host ? 0.0 : cost.storage_to_host.seconds(load_bytes)) +
                     cost.host_to_device.seconds(load_bytes) + cost.device_seconds(load_bytes) +
                     s.link_queue_seconds;
    d.cpu_seconds = (s.high_in_host ? 0.0 : cost.storage_to_host.seconds(s.bytes_high)) +
                    cost.cpu_seconds(s.bytes_high) + s.cpu_queue_seconds;
    const double cpu_done =
        s.split_seconds && *s.split_seconds < d.cpu_seconds ? *s.split_seconds : d.cpu_seconds;
    if (options.cpu_fallback && cpu_done < d.load_seconds)
        d.action = ExpertAction::CpuCompute;
    else
        d.action = want_low ? ExpertAction::LoadLow : ExpertAction::LoadHigh;
    return d;
}

} // namespace hoard::offload
