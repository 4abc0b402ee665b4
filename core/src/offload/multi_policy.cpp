#include "offload/multi_policy.hpp"

#include <algorithm>

namespace hoard::offload {

void MultiPolicy::prepare(uint32_t n_layer, uint32_t n_expert) {
    n_layer_ = n_layer;
    n_expert_ = n_expert;
    const size_t n = size_t(n_layer) * n_expert;
    last_use_.assign(n, 0);
    seq_requests_.assign(n, 0);
    seq_high_requests_.assign(n, 0);
}

void MultiPolicy::on_sequence_start() {
    std::fill(seq_requests_.begin(), seq_requests_.end(), 0);
    std::fill(seq_high_requests_.begin(), seq_high_requests_.end(), 0);
}

void MultiPolicy::on_request(const ExpertRequest& request) {
    const size_t k = key(request.layer, request.expert);
    ++seq_requests_[k];
    if (request.demand == Precision::High) ++seq_high_requests_[k];
}

void MultiPolicy::on_use(const ResidentCopy& copy, const ExpertRequest& request) {
    last_use_[key(copy.layer, copy.expert)] = request.time;
}

void MultiPolicy::on_insert(const ResidentCopy& copy, uint64_t time) {
    last_use_[key(copy.layer, copy.expert)] = time;
}

MultiPolicy::Maxima MultiPolicy::maxima(std::span<const ResidentCopy> candidates,
                                        uint64_t time) const {
    Maxima m;
    for (const ResidentCopy& c : candidates) {
        const size_t k = key(c.layer, c.expert);
        m.age = std::max(m.age, time - std::min(time, last_use_[k]));
        m.freq = std::max<uint64_t>(m.freq, seq_requests_[k]);
        m.high = std::max<uint64_t>(m.high, seq_high_requests_[k]);
    }
    return m;
}

double MultiPolicy::score(const ResidentCopy& c, const Maxima& m, uint16_t current_layer,
                          uint64_t time) const {
    const size_t k = key(c.layer, c.expert);
    const uint64_t age = time - std::min(time, last_use_[k]);
    const double recency = m.age ? double(age) / double(m.age) : 0.0;
    const double frequency = m.freq ? 1.0 - double(seq_requests_[k]) / double(m.freq) : 0.0;
    const double high = m.high ? 1.0 - double(seq_high_requests_[k]) / double(m.high) : 0.0;
    // Layers evaluated before c.layer comes round again (0 for the next layer).
    const uint32_t ahead = (c.layer + 2 * n_layer_ - current_layer - 1) % n_layer_;
    const double distance = n_layer_ > 1 ? double(ahead) / double(n_layer_ - 1) : 0.0;
    return weights_.recency * recency + weights_.frequency * frequency +
           weights_.high_precision * high + weights_.layer_distance * distance;
}

double MultiPolicy::eviction_score(const ResidentCopy& copy,
                                   std::span<const ResidentCopy> candidates, uint16_t current_layer,
                                   uint64_t time) const {
    return score(copy, maxima(candidates, time), current_layer, time);
}

size_t MultiPolicy::choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                                  uint64_t time) {
    const Maxima m = maxima(candidates, time);
    size_t best = 0;
    double best_score = score(candidates[0], m, current_layer, time);
    for (size_t i = 1; i < candidates.size(); ++i) {
        const double s = score(candidates[i], m, current_layer, time);
        const bool older = last_use_[key(candidates[i].layer, candidates[i].expert)] <
                           last_use_[key(candidates[best].layer, candidates[best].expert)];
        if (s > best_score || (s == best_score && older)) {
            best = i;
            best_score = s;
        }
    }
    return best;
}

} // namespace hoard::offload
