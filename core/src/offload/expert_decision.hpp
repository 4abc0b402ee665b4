#pragma once
// What to do with one selected expert of one token, decided from the cache
// state, the precision it needs and the cost model:
//   1. a resident high copy serves any demand (HitHigh); a resident low copy
//      serves a low demand (HitLow)
//   2. a negligible expert (see precision_rule.hpp) is skipped, only when allowed
//   3. otherwise it is loaded at the demanded precision, unless CPU fallback is
//      on and computing it on the CPU from the host's high copy is faster than
//      the transfer plus the device's compute (Fiddler's rule), each counted
//      from when the link or the CPU is free of the layer's earlier work; an
//      expert split between the CPU and the device counts as the CPU's
#include "offload/cost_model.hpp"
#include "offload/precision_rule.hpp"
#include "telemetry/events.hpp"

#include <cstdint>
#include <optional>

namespace hoard::offload {

using telemetry::ExpertAction;

struct DecisionOptions {
    bool cpu_fallback = true;
    bool allow_skip = false;
};

struct ExpertSituation {
    std::optional<Precision> resident; // the copy on the device, if any
    PrecisionDemand demand;
    uint64_t bytes_high = 0, bytes_low = 0;
    // Not in host memory: the copy first comes from storage.
    bool high_in_host = true, low_in_host = true;
    // Work already queued for this layer on the link and on the CPU: an
    // expert waits for it, so misses spread over both (the bound is missing
    // bytes over the link and CPU rates together, not the faster one alone).
    double link_queue_seconds = 0, cpu_queue_seconds = 0;
    // When the CPU's part can be split with the device (expert_split.hpp):
    // when the split expert would be done. CPU fallback then competes with
    // the load by that time.
    std::optional<double> split_seconds;
};

struct ExpertDecision {
    ExpertAction action = ExpertAction::HitHigh;
    double load_seconds = 0; // (storage +) link transfer + device compute of the demanded copy
    double cpu_seconds = 0;  // (storage +) CPU compute of the high copy
};

ExpertDecision decide_expert(const ExpertSituation& situation, const CostModel& cost,
                             const DecisionOptions& options);

} // namespace hoard::offload
