#pragma once
// Replays a routing trace against a device budget, a cache policy and the
// cost model, without a model: every selected expert of every token goes
// through the same decision the live engine makes (hit, load high or low,
// CPU, skip), loads and compute are timed on a copy queue, a compute queue and
// the CPU, and the outcome is counted per layer. Sequences run one after
// another on one device (the cache persists, the KV cache starts over); the
// cache starts empty; every token is a decode step.
#include "offload/budget_plan.hpp"
#include "offload/cache_policy.hpp"
#include "offload/cost_model.hpp"
#include "offload/expert_decision.hpp"
#include "offload/offload_shape.hpp"
#include "offload/precision_rule.hpp"
#include "offload/routing_trace.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hoard::telemetry {
class EventBus;
}

namespace hoard::offload {

struct PrefetchConfig {
    bool enabled = false;
    uint32_t distance = 2;       // predict layer l + d from the routing of layer l
    double min_confidence = 0.3; // prefetch only experts at least this likely
    uint32_t max_per_layer = 0;  // 0: the model's top-k
};

struct ReplayConfig {
    PolicyKind policy = PolicyKind::Lru;
    MultiPolicyWeights multi_weights;
    BudgetRequest budget;
    PrecisionRule precision;  // precision.mixed: low-precision copies on
    DecisionOptions decision; // CPU fallback, skipping
    CostModel cost;
    PrefetchConfig prefetch;
    uint64_t host_bytes = 0; // host memory for experts; 0: unlimited
    // With CPU fallback an expert computed on the CPU is also loaded behind
    // (on spare link time, see copy_queue.hpp), so the cache keeps adapting.
    bool admit_cpu_experts = true;
    // A GPU's live engine: CPU experts are split with the device, whose part
    // goes over the link at once (expert_split.hpp); then loads behind CPU
    // experts and prefetches stay off unless background_loads_with_splits.
    bool split_experts = false;
    bool background_loads_with_splits = false;
    // Background loads (prefetches, loads behind CPU experts) are not queued
    // while those already queued still need more link time than this.
    double background_backlog_seconds = 0.010;
};

// Counts per ExpertAction, indexed by its value.
struct ActionCounts {
    std::array<uint64_t, 6> n{};
    uint64_t& operator[](ExpertAction a) { return n[size_t(a)]; }
    uint64_t operator[](ExpertAction a) const { return n[size_t(a)]; }
    uint64_t total() const;
    uint64_t hits() const { return n[0] + n[1]; }
    double hit_rate() const { return total() ? double(hits()) / double(total()) : 0.0; }
};

struct LayerReplayStats {
    ActionCounts actions;
    double stall_seconds = 0;
};

struct PrefetchStats {
    uint64_t predicted = 0; // experts predicted (after the confidence filter)
    uint64_t correct = 0;   // of those, selected when the layer ran
    uint64_t actual = 0;    // experts selected at layers that had a prediction
    uint64_t loads = 0;     // prefetch transfers issued (predicted and not resident)
    uint64_t loads_used = 0;
    uint64_t loads_evicted_unused = 0;
    double precision() const { return predicted ? double(correct) / double(predicted) : 0.0; }
    double recall() const { return actual ? double(correct) / double(actual) : 0.0; }
};

struct ReplayReport {
    std::string policy;
    OffloadShape shape;
    ReplayConfig config;
    BudgetPlan plan;

    size_t n_sequences = 0, n_tokens = 0, n_decisions = 0, n_missing = 0;
    ActionCounts actions;
    std::vector<LayerReplayStats> layers;

    uint64_t bytes_to_device_high = 0; // demand loads
    uint64_t bytes_to_device_low = 0;
    uint64_t bytes_prefetched = 0; // prefetch loads (both precisions)
    uint64_t bytes_admitted = 0;   // loads behind CPU-computed experts
    uint64_t bytes_split = 0;      // device parts of split experts
    uint64_t split_experts = 0;
    uint64_t bytes_storage_to_host = 0;
    uint64_t bytes_cpu_read = 0; // expert weights the CPU streamed
    uint64_t evictions = 0;
    std::vector<uint64_t> peak_pool_bytes; // per pool: the most it ever held

    double decode_seconds = 0; // simulated, all tokens
    double stall_seconds = 0;  // compute queue waiting for transfers or CPU experts
    double ideal_seconds = 0;  // the same tokens with every expert resident at high precision
    double link_busy_seconds = 0;
    double cpu_busy_seconds = 0;
    PrefetchStats prefetch;
    double replay_wall_seconds = 0; // how long the replay itself took

    double hit_rate() const { return actions.hit_rate(); }
    uint64_t bytes_to_device() const {
        return bytes_to_device_high + bytes_to_device_low + bytes_prefetched + bytes_admitted +
               bytes_split;
    }
    double decode_tokens_per_second() const {
        return decode_seconds > 0 ? double(n_tokens) / decode_seconds : 0.0;
    }
    double ideal_tokens_per_second() const {
        return ideal_seconds > 0 ? double(n_tokens) / ideal_seconds : 0.0;
    }
};

// The requests of a replay in order (sequence, token, layer, rank), each with
// the precision `rule` demands: what Belady's policy is told in advance.
std::vector<ExpertRequest> collect_requests(const RoutingTrace& trace, const PrecisionRule& rule);

// Throws hoard::Error when the trace does not fit the shape or the budget
// cannot be planned. Publishes every decision, transfer, stall and prefetch
// outcome to `bus` when given (flushed once per token).
ReplayReport replay_trace(const RoutingTrace& trace, const OffloadShape& shape,
                          const ReplayConfig& config, telemetry::EventBus* bus = nullptr);

// The report as one JSON object (what `hoard replay` prints).
nlohmann::json report_to_json(const ReplayReport& report);

} // namespace hoard::offload
