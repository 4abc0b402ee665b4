#include "offload/expert_predictor.hpp"

#include "hoard/error.hpp"

#include <algorithm>

namespace hoard::offload {
namespace {
constexpr size_t kMaxTransitionEntries = size_t(1) << 26;
}

TransitionPredictor::TransitionPredictor(uint32_t n_layer, uint32_t n_expert, uint32_t distance)
    : n_layer_(n_layer), n_expert_(n_expert), distance_(distance) {
    if (distance == 0 || distance >= n_layer)
        throw Error("the prefetch distance must be between 1 and " + std::to_string(n_layer - 1) +
                    " layers");
    const size_t entries = size_t(n_layer) * n_expert * n_expert;
    if (entries > kMaxTransitionEntries)
        throw Error("too many experts for the transition predictor (" + std::to_string(n_layer) +
                    " layers × " + std::to_string(n_expert) + "² transitions)");
    transitions_.assign(entries, 0);
    from_total_.assign(size_t(n_layer) * n_expert, 0);
    frequency_.assign(size_t(n_layer) * n_expert, 0);
    layer_tokens_.assign(n_layer, 0);
    current_.resize(n_layer);
    current_weights_.resize(n_layer);
}

void TransitionPredictor::observe(uint16_t layer, std::span<const uint16_t> experts,
                                  std::span<const float> weights) {
    if (layer >= n_layer_) return;
    current_[layer].assign(experts.begin(), experts.end());
    current_weights_[layer].assign(weights.begin(), weights.end());
    for (uint16_t e : experts) ++frequency_[size_t(layer) * n_expert_ + e];
    ++layer_tokens_[layer];
    if (layer < distance_) return;
    const uint32_t source = layer - distance_;
    for (uint16_t from : current_[source]) {
        ++from_total_[size_t(source) * n_expert_ + from];
        for (uint16_t to : experts) ++transitions_[at(source, from, to)];
    }
}

void TransitionPredictor::predict(uint16_t source_layer, uint16_t target_layer,
                                  std::vector<ExpertPrediction>& out) const {
    out.clear();
    if (source_layer >= n_layer_ || target_layer >= n_layer_) return;
    std::vector<double> score(n_expert_, 0.0);
    double weight_sum = 0;
    const bool direct = target_layer == source_layer + distance_;
    if (direct) {
        const auto& from = current_[source_layer];
        const auto& w = current_weights_[source_layer];
        for (size_t i = 0; i < from.size(); ++i) {
            const uint32_t total = from_total_[size_t(source_layer) * n_expert_ + from[i]];
            if (total == 0) continue;
            weight_sum += w[i];
            for (uint32_t to = 0; to < n_expert_; ++to)
                score[to] += w[i] * transitions_[at(source_layer, from[i], to)] / double(total);
        }
    }
    if (weight_sum > 0) {
        for (double& s : score) s /= weight_sum;
    } else if (layer_tokens_[target_layer] > 0) {
        // No history from these experts yet: the share of tokens that selected
        // each expert at the target layer.
        for (uint32_t e = 0; e < n_expert_; ++e)
            score[e] = double(frequency_[size_t(target_layer) * n_expert_ + e]) /
                       double(layer_tokens_[target_layer]);
    } else {
        return;
    }
    for (uint32_t e = 0; e < n_expert_; ++e)
        if (score[e] > 0) out.push_back({uint16_t(e), float(std::min(1.0, score[e]))});
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.confidence > b.confidence; });
}

} // namespace hoard::offload
