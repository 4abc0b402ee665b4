#pragma once
// Which cached expert to evict when room is needed: one interface for LRU,
// LFU, the multi-dimensional policy and Belady's offline optimum. The expert
// cache calls it; a policy only keeps the statistics it needs.
#include "telemetry/events.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hoard::offload {

using telemetry::Precision;

// One selected expert of one token, in replay (or decode) order.
struct ExpertRequest {
    uint64_t time = 0;  // request number: one per selected expert, increasing
    uint32_t token = 0; // position in its sequence
    uint16_t layer = 0;
    uint16_t expert = 0;
    uint8_t rank = 0; // 0 = highest gate weight
    float gate = 0;
    Precision demand = Precision::High; // precision the precision rule asks for
};

// A copy held by the expert cache. At most one copy of an expert is resident:
// a high copy serves low demands too, so loading it drops the low one.
struct ResidentCopy {
    uint16_t layer = 0;
    uint16_t expert = 0;
    Precision precision = Precision::High;
};

class CachePolicy {
  public:
    virtual ~CachePolicy() = default;
    virtual const char* name() const = 0;

    // Sizes the policy's tables; called once before anything else.
    virtual void prepare(uint32_t n_layer, uint32_t n_expert) = 0;
    virtual void on_sequence_start() {}
    // Every selected expert, in order, whatever is then done with it.
    virtual void on_request(const ExpertRequest&) {}
    // A resident copy served a request (a hit), or was just loaded for one.
    virtual void on_use(const ResidentCopy& copy, const ExpertRequest& request) = 0;
    // A copy entered the cache (loaded on demand or prefetched) at `time`.
    virtual void on_insert(const ResidentCopy& copy, uint64_t time) = 0;
    virtual void on_evict(const ResidentCopy&) {}
    // The index in `candidates` (copies that may go, never empty) of the one to
    // evict; current_layer is the layer being evaluated, time the last request.
    virtual size_t choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                                 uint64_t time) = 0;
};

enum class PolicyKind : uint8_t { Lru, Lfu, Multi, Belady };
const char* policy_name(PolicyKind kind);
PolicyKind parse_policy_kind(const std::string& text); // "lru" | "lfu" | "multi" | "belady"

// Weights of the multi-dimensional policy's eviction score (see multi_policy.hpp).
struct MultiPolicyWeights {
    double recency = 0.25;
    double frequency = 0.25;
    double high_precision = 0.25;
    double layer_distance = 0.25;
};

// Belady's policy needs every request of the run in advance (`future`, in
// order, time equal to index); the online policies ignore it.
std::unique_ptr<CachePolicy> make_policy(PolicyKind kind, const MultiPolicyWeights& weights = {},
                                         std::vector<ExpertRequest> future = {});

} // namespace hoard::offload
