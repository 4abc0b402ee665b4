#include "offload/router_prefetcher.hpp"

#include "backend/cpu/rms_norm.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "model/moe_block.hpp"

#include <algorithm>

namespace hoard::offload {
namespace {
constexpr double kAccuracyDecay = 0.9; // weight of the past in the moving average
}

RouterPrefetcher::RouterPrefetcher(const model::Model& model, const RouterPrefetchOptions& options,
                                   const PrecisionRule& rule)
    : model_(model), options_(options), rule_(rule) {
    const size_t n_layer = model.config().n_layer;
    if (n_layer < 2) options_.max_distance = 0;
    options_.max_distance = std::min<uint32_t>(options_.max_distance, uint32_t(n_layer - 1));
    if (options_.distance == 0 && options_.max_distance > 0)
        throw Error("the prefetch distance must be at least 1 layer");
    distance_ = std::min(options_.distance, options_.max_distance);
    options_.max_distance = std::max(options_.max_distance, distance_);
    pending_.resize(n_layer);
    accuracy_.assign(options_.max_distance + 1, 0.5);
    normed_.resize(model.config().n_embd);
    logits_.resize(model.config().n_expert);
    weights_.resize(model.config().n_expert_used);
    chosen_.resize(model.config().n_expert_used);
}

void RouterPrefetcher::on_sequence_start() {
    for (Pending& p : pending_) p = Pending{};
}

double RouterPrefetcher::accuracy_at(uint32_t distance) const {
    return distance < accuracy_.size() ? accuracy_[distance] : 0.0;
}

void RouterPrefetcher::predict(size_t layer, size_t position, const float* x,
                               backend::cpu::ThreadPool& pool, std::vector<PrefetchTarget>& out) {
    const model::ModelConfig& c = model_.config();
    for (uint32_t j = 1; j <= distance_ && layer + j < c.n_layer; ++j) {
        const size_t target = layer + j;
        const model::LayerWeights& w = model_.layer(target);
        backend::cpu::rms_norm(x, w.ffn_norm, normed_.data(), c.n_embd, c.rms_eps);
        batch_.reset(normed_.data(), c.n_embd, 1, c.n_embd);
        backend::cpu::matmul(pool, w.router, batch_, logits_.data(), c.n_expert);
        model::route_token(c, logits_, chosen_, weights_);

        Pending& p = pending_[target];
        if (p.position != position) p = Pending{position, {}};
        for (size_t rank = 0; rank < chosen_.size(); ++rank) {
            if (weights_[rank] < options_.min_confidence) continue;
            const uint16_t e = uint16_t(chosen_[rank]);
            const bool known = std::any_of(p.experts.begin(), p.experts.end(),
                                           [&](const auto& q) { return q.first == e; });
            if (!known) p.experts.push_back({e, uint8_t(j)});
            PrefetchTarget t;
            t.layer = uint16_t(target);
            t.expert = e;
            t.confidence = weights_[rank];
            t.precision = precision_for_rank(weights_, rank, rule_).precision;
            t.distance = uint8_t(j);
            out.push_back(t);
        }
    }
}

void RouterPrefetcher::score(size_t layer, size_t position, std::span<const int32_t> selected,
                             std::vector<std::pair<uint16_t, bool>>& outcomes) {
    Pending& p = pending_.at(layer);
    if (p.position != position) return;
    stats_.actual += selected.size();
    std::vector<uint32_t> hits(accuracy_.size(), 0), made(accuracy_.size(), 0);
    for (const auto& [e, j] : p.experts) {
        const bool used = std::find(selected.begin(), selected.end(), int32_t(e)) != selected.end();
        ++stats_.predicted;
        stats_.correct += used ? 1 : 0;
        outcomes.push_back({e, used});
        if (j < made.size()) {
            ++made[j];
            hits[j] += used ? 1 : 0;
        }
    }
    for (size_t j = 1; j < accuracy_.size(); ++j)
        if (made[j] > 0)
            accuracy_[j] = kAccuracyDecay * accuracy_[j] +
                           (1 - kAccuracyDecay) * double(hits[j]) / double(made[j]);
    p = Pending{};
}

void RouterPrefetcher::adapt(double backlog_seconds, double backlog_limit_seconds, uint64_t loads,
                             uint64_t wasted) {
    if (!options_.adaptive || options_.max_distance == 0) return;
    if (paused_tokens_ > 0) {
        if (--paused_tokens_ == 0) {
            loads_seen_ = loads; // judge the loads after the pause on their own
            wasted_seen_ = wasted;
        }
        return;
    }
    if (++tokens_since_adapt_ < std::max<uint32_t>(options_.adapt_every, 1)) return;
    tokens_since_adapt_ = 0;
    const uint64_t new_loads = loads - std::min(loads, loads_seen_);
    const uint64_t new_waste = wasted - std::min(wasted, wasted_seen_);
    loads_seen_ = loads;
    wasted_seen_ = wasted;
    const bool wasteful =
        new_loads > 0 && double(new_waste) > options_.max_waste * double(new_loads);
    const double acc = accuracy_at(distance_);
    const bool link_backed_up = backlog_seconds > backlog_limit_seconds;
    if (distance_ == 1 && wasteful)
        paused_tokens_ = options_.pause_tokens;
    else if (distance_ > 1 && (acc < options_.lower_accuracy || link_backed_up || wasteful))
        --distance_;
    else if (distance_ < options_.max_distance && acc >= options_.raise_accuracy &&
             backlog_seconds < backlog_limit_seconds / 2 && !wasteful)
        ++distance_;
}

} // namespace hoard::offload
