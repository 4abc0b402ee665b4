#include "offload/routing_trace.hpp"

#include "hoard/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace hoard::offload {

uint32_t TraceSequence::add_token() {
    const size_t entries = size_t(n_tokens_ + 1) * n_layer_;
    counts_.resize(entries, 0);
    experts_.resize(entries * max_top_k_, 0);
    weights_.resize(entries * max_top_k_, 0.0f);
    return n_tokens_++;
}

void TraceSequence::set(uint32_t token, uint32_t layer, std::span<const uint16_t> experts,
                        std::span<const float> weights) {
    if (token >= n_tokens_ || layer >= n_layer_)
        throw Error("routing for token " + std::to_string(token) + ", layer " +
                    std::to_string(layer) + " is outside the trace (" + std::to_string(n_tokens_) +
                    " tokens, " + std::to_string(n_layer_) + " layers)");
    if (experts.size() != weights.size())
        throw Error("routing has " + std::to_string(experts.size()) + " experts but " +
                    std::to_string(weights.size()) + " gate weights");
    if (experts.empty() || experts.size() > max_top_k_)
        throw Error("routing selects " + std::to_string(experts.size()) +
                    " experts; expected 1 to " + std::to_string(max_top_k_));
    std::array<uint32_t, kMaxTraceTopK> order{};
    const size_t k = experts.size();
    for (size_t i = 0; i < k; ++i) {
        if (experts[i] >= n_expert_)
            throw Error("expert " + std::to_string(experts[i]) + " does not exist (the layer has " +
                        std::to_string(n_expert_) + ")");
        if (!std::isfinite(weights[i]) || weights[i] < 0.0f)
            throw Error("gate weights must be finite and not negative");
        for (size_t j = 0; j < i; ++j)
            if (experts[j] == experts[i])
                throw Error("expert " + std::to_string(experts[i]) + " is selected twice");
        order[i] = uint32_t(i);
    }
    std::stable_sort(order.begin(), order.begin() + k,
                     [&](uint32_t a, uint32_t b) { return weights[a] > weights[b]; });
    const size_t e = entry(token, layer);
    counts_[e] = uint8_t(k);
    for (size_t i = 0; i < k; ++i) {
        experts_[e * max_top_k_ + i] = experts[order[i]];
        weights_[e * max_top_k_ + i] = weights[order[i]];
    }
}

LayerRouting TraceSequence::at(uint32_t token, uint32_t layer) const {
    const size_t e = entry(token, layer);
    const size_t k = counts_[e];
    return {std::span(experts_).subspan(e * max_top_k_, k),
            std::span(weights_).subspan(e * max_top_k_, k)};
}

RoutingTrace::RoutingTrace(uint32_t n_layer, uint32_t n_expert, uint32_t top_k)
    : n_layer_(n_layer), n_expert_(n_expert), top_k_(top_k) {
    if (n_layer == 0 || n_layer > kMaxTraceLayers)
        throw Error("a routing trace needs 1 to " + std::to_string(kMaxTraceLayers) +
                    " layers, not " + std::to_string(n_layer));
    if (n_expert == 0 || n_expert > kMaxTraceExperts)
        throw Error("a routing trace needs 1 to " + std::to_string(kMaxTraceExperts) +
                    " experts per layer, not " + std::to_string(n_expert));
    if (top_k == 0 || top_k > n_expert || top_k > kMaxTraceTopK)
        throw Error("a routing trace selects 1 to " +
                    std::to_string(std::min(n_expert, kMaxTraceTopK)) + " experts per token, not " +
                    std::to_string(top_k));
}

TraceSequence& RoutingTrace::add_sequence(int64_t id) {
    for (const TraceSequence& s : sequences_)
        if (s.id() == id)
            throw Error("sequence " + std::to_string(id) + " is already in the trace");
    return sequences_.emplace_back(id, n_layer_, n_expert_, top_k_);
}

size_t RoutingTrace::n_tokens() const {
    return std::accumulate(sequences_.begin(), sequences_.end(), size_t(0),
                           [](size_t n, const TraceSequence& s) { return n + s.n_tokens(); });
}

size_t RoutingTrace::n_recorded() const {
    size_t n = 0;
    for (const TraceSequence& s : sequences_)
        for (uint32_t t = 0; t < s.n_tokens(); ++t)
            for (uint32_t l = 0; l < n_layer_; ++l) n += s.at(t, l).recorded() ? 1 : 0;
    return n;
}

size_t RoutingTrace::n_missing() const {
    return n_tokens() * n_layer_ - n_recorded();
}

} // namespace hoard::offload
