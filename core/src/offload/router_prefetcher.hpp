#pragma once
// Layer-level adaptive prefetching for the live engine. At layer l of a
// decode step the residual stream x (after l's attention, before its
// experts) is at hand; the routers of layers l+1 … l+d are applied to it:
// x is normalized with the target layer's ffn_norm and multiplied by its
// ffn_gate_inp, softmax and top-k as the model routes. This is an
// approximation: the real input of layer l+j also carries the outputs of
// l's experts and of the attention and experts of the layers in between,
// but the residual stream changes slowly from layer to layer, so the nearer
// layers are predicted well and accuracy falls with distance.
//
// Predictions whose normalized gate weight reaches min_confidence are
// returned for loading (the likeliest at high precision, the others as the
// precision rule would ask). When the layer runs, what was predicted for it
// is scored; d grows while predictions at distance d stay accurate, the link
// has spare time and prefetched copies live until they are used; it shrinks
// when predictions at d are poor, the link is backed up, or most prefetched
// copies are evicted unused (the cache is too small to hold them that long).
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "offload/precision_rule.hpp"
#include "offload/trace_replay.hpp"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace hoard::model {
class Model;
}

namespace hoard::offload {

struct RouterPrefetchOptions {
    uint32_t distance = 2;     // initial look-ahead in layers
    uint32_t max_distance = 4; // adaptive upper bound
    bool adaptive = true;
    double min_confidence = 0.1; // normalized gate weight of a prediction
    double raise_accuracy = 0.6; // look further when distance d is this accurate
    double lower_accuracy = 0.3; // look less far below this
    double max_waste = 0.3;      // ... or when this share of prefetches is evicted unused
    uint32_t adapt_every = 4;    // decode tokens between adjustments
    uint32_t pause_tokens = 32;  // loads pause this long when even d = 1 is wasteful
};

struct PrefetchTarget {
    uint16_t layer = 0;
    uint16_t expert = 0;
    float confidence = 0;
    Precision precision = Precision::High;
    uint8_t distance = 1;
};

class RouterPrefetcher {
  public:
    RouterPrefetcher(const model::Model& model, const RouterPrefetchOptions& options,
                     const PrecisionRule& rule);

    void on_sequence_start();
    // Predicts layers layer+1 … layer+d for the decode token at `position`
    // from its residual `x` (n_embd floats); appends to `out`.
    void predict(size_t layer, size_t position, const float* x, backend::cpu::ThreadPool& pool,
                 std::vector<PrefetchTarget>& out);
    // `layer` ran for the token at `position` and selected `selected`: scores
    // what was predicted for it; appends (expert, selected?) per prediction.
    void score(size_t layer, size_t position, std::span<const int32_t> selected,
               std::vector<std::pair<uint16_t, bool>>& outcomes);
    // Once per decode token: adjusts d from accuracy, the link's backlog and
    // the prefetch loads so far (`loads`) of which `wasted` were evicted unused.
    void adapt(double backlog_seconds, double backlog_limit_seconds, uint64_t loads,
               uint64_t wasted);

    uint32_t distance() const { return distance_; }
    // False while loads pause: even at distance 1 most prefetched copies were
    // evicted unused (a cache far smaller than one token's experts). Predictions
    // go on being made and scored meanwhile.
    bool loads_enabled() const { return paused_tokens_ == 0; }
    const PrefetchStats& stats() const { return stats_; }
    double accuracy_at(uint32_t distance) const;

  private:
    struct Pending {
        size_t position = SIZE_MAX;
        std::vector<std::pair<uint16_t, uint8_t>> experts; // expert, distance it was predicted at
    };
    const model::Model& model_;
    RouterPrefetchOptions options_;
    PrecisionRule rule_;
    uint32_t distance_;
    std::vector<Pending> pending_; // per target layer
    std::vector<double> accuracy_; // per distance (index 1 … max), moving average
    uint32_t tokens_since_adapt_ = 0;
    uint32_t paused_tokens_ = 0;
    uint64_t loads_seen_ = 0, wasted_seen_ = 0; // at the last adjustment
    PrefetchStats stats_;
    std::vector<float> normed_, logits_, weights_;
    std::vector<int32_t> chosen_;
    backend::cpu::ActivationBatch batch_;
};

} // namespace hoard::offload
