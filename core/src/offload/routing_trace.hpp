#pragma once
// A recorded routing trace: for each sequence, each token and each layer, the
// experts the router selected (best first) and their gate weights. Replay
// runs cache policies, budgets and prefetchers against it without a model.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hoard::offload {

// Limits that keep a trace from a file small enough to hold and index.
inline constexpr uint32_t kMaxTraceLayers = 1024;
inline constexpr uint32_t kMaxTraceExperts = 4096;
inline constexpr uint32_t kMaxTraceTopK = 64;

// One routing decision: the selected experts of one token at one layer.
struct LayerRouting {
    std::span<const uint16_t> experts; // best first; empty when not recorded
    std::span<const float> weights;    // gate weights, same order
    bool recorded() const { return !experts.empty(); }
};

// One sequence of tokens (a prompt and its continuation, a problem of a data set).
class TraceSequence {
  public:
    TraceSequence(int64_t id, uint32_t n_layer, uint32_t n_expert, uint32_t max_top_k)
        : id_(id), n_layer_(n_layer), n_expert_(n_expert), max_top_k_(max_top_k) {}

    int64_t id() const { return id_; }
    uint32_t n_tokens() const { return n_tokens_; }
    uint32_t n_layer() const { return n_layer_; }

    // Adds a token with every layer unrecorded; returns its index.
    uint32_t add_token();
    // Stores the routing of (token, layer). Throws hoard::Error unless experts
    // and weights have the same length (1 to max_top_k), the experts are
    // distinct and below n_expert, and the weights are finite and not negative.
    // Sorts them best first (stable).
    void set(uint32_t token, uint32_t layer, std::span<const uint16_t> experts,
             std::span<const float> weights);
    LayerRouting at(uint32_t token, uint32_t layer) const;

  private:
    size_t entry(uint32_t token, uint32_t layer) const { return size_t(token) * n_layer_ + layer; }

    int64_t id_;
    uint32_t n_layer_;
    uint32_t n_expert_;
    uint32_t max_top_k_;
    uint32_t n_tokens_ = 0;
    std::vector<uint8_t> counts_;   // per (token, layer): experts selected, 0 = not recorded
    std::vector<uint16_t> experts_; // per (token, layer): max_top_k slots
    std::vector<float> weights_;    // same layout
};

class RoutingTrace {
  public:
    // n_expert: experts per layer (ids are below it); top_k: experts selected per token.
    RoutingTrace(uint32_t n_layer, uint32_t n_expert, uint32_t top_k);

    uint32_t n_layer() const { return n_layer_; }
    uint32_t n_expert() const { return n_expert_; }
    uint32_t top_k() const { return top_k_; }

    std::string model; // which model produced it, when known

    TraceSequence& add_sequence(int64_t id);
    const std::vector<TraceSequence>& sequences() const { return sequences_; }
    std::vector<TraceSequence>& sequences() { return sequences_; }

    size_t n_tokens() const;   // over all sequences
    size_t n_recorded() const; // (token, layer) entries that hold a decision
    size_t n_missing() const;  // (token, layer) entries without one

  private:
    uint32_t n_layer_, n_expert_, top_k_;
    std::vector<TraceSequence> sequences_;
};

} // namespace hoard::offload
