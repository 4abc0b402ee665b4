#include "runtime/sampler.hpp"

#include "hoard/error.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace hoard::runtime {

int32_t argmax(std::span<const float> logits) {
    if (logits.empty()) throw Error("cannot sample from an empty vocabulary");
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {
    if (params.top_p <= 0.0f || params.top_p > 1.0f) throw Error("top-p must be in (0, 1]");
    if (params.min_p < 0.0f || params.min_p >= 1.0f) throw Error("min-p must be in [0, 1)");
    if (params.top_k < 0) throw Error("top-k must not be negative");
    if (params.repeat_penalty <= 0.0f) throw Error("the repetition penalty must be positive");
}

void Sampler::apply_repeat_penalty(std::span<float> logits, std::span<const int32_t> recent) const {
    if (params_.repeat_penalty == 1.0f || params_.repeat_last_n == 0) return;
    const size_t window = params_.repeat_last_n < 0
                              ? recent.size()
                              : std::min(recent.size(), size_t(params_.repeat_last_n));
    std::unordered_set<int32_t> seen(recent.end() - static_cast<long>(window), recent.end());
    for (int32_t id : seen) {
        if (id < 0 || size_t(id) >= logits.size()) continue;
        float& l = logits[size_t(id)];
        l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    }
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> recent) {
    apply_repeat_penalty(logits, recent);
    if (params_.temperature <= 0.0f) return argmax(logits);

    candidates_.clear();
    candidates_.reserve(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
        if (std::isfinite(logits[i]))
            candidates_.push_back({static_cast<int32_t>(i), logits[i] / params_.temperature, 0.0f});
    if (candidates_.empty()) throw Error("every logit is infinite or NaN");

    const auto by_logit = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; };
    size_t keep = candidates_.size();
    if (params_.top_k > 0 && size_t(params_.top_k) < keep) {
        keep = size_t(params_.top_k);
        std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<long>(keep),
                          candidates_.end(), by_logit);
    } else {
        std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    candidates_.resize(keep);

    // Softmax over the survivors (max first, for stability).
    const float max_logit = candidates_.front().logit;
    double sum = 0.0;
    for (Candidate& c : candidates_) sum += c.p = std::exp(c.logit - max_logit);
    for (Candidate& c : candidates_) c.p = static_cast<float>(c.p / sum);

    // min-p: drop what is far less likely than the best.
    if (params_.min_p > 0.0f) {
        const float floor = candidates_.front().p * params_.min_p;
        size_t n = 1;
        while (n < candidates_.size() && candidates_[n].p >= floor) ++n;
        candidates_.resize(n);
    }
    // top-p: the smallest prefix whose mass reaches top_p.
    if (params_.top_p < 1.0f) {
        double mass = 0.0;
        size_t n = 0;
        while (n < candidates_.size()) {
            mass += candidates_[n++].p;
            if (mass >= params_.top_p) break;
        }
        candidates_.resize(n);
    }

    double total = 0.0;
    for (const Candidate& c : candidates_) total += c.p;
    std::uniform_real_distribution<double> uniform(0.0, total);
    double r = uniform(rng_);
    for (const Candidate& c : candidates_) {
        r -= c.p;
        if (r <= 0.0) return c.id;
    }
    return candidates_.back().id;
}

} // namespace hoard::runtime
