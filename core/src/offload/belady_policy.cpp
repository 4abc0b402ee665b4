#include "offload/belady_policy.hpp"

#include "hoard/error.hpp"

namespace hoard::offload {

void BeladyPolicy::prepare(uint32_t n_layer, uint32_t n_expert) {
    n_expert_ = n_expert;
    next_.assign(size_t(n_layer) * n_expert, kNever);
    next_same_.assign(future_.size(), kNever);
    for (size_t i = future_.size(); i-- > 0;) {
        const ExpertRequest& r = future_[i];
        if (r.layer >= n_layer || r.expert >= n_expert || r.time != i)
            throw Error("Belady's policy was given a request list that does not fit the model");
        const size_t k = key(r.layer, r.expert);
        next_same_[i] = next_[k];
        next_[k] = i; // ends as each expert's first request
    }
}

void BeladyPolicy::on_request(const ExpertRequest& request) {
    if (request.time >= future_.size() || future_[request.time].layer != request.layer ||
        future_[request.time].expert != request.expert)
        throw Error("Belady's policy saw a request it was not told about in advance");
    next_[key(request.layer, request.expert)] = next_same_[request.time];
}

uint64_t BeladyPolicy::next_use(const ResidentCopy& copy) const {
    const uint64_t next = next_[key(copy.layer, copy.expert)];
    if (copy.precision == Precision::Low && next != kNever &&
        future_[next].demand == Precision::High)
        return kNever;
    return next;
}

size_t BeladyPolicy::choose_victim(std::span<const ResidentCopy> candidates, uint16_t, uint64_t) {
    size_t best = 0;
    uint64_t furthest = next_use(candidates[0]);
    for (size_t i = 1; i < candidates.size() && furthest != kNever; ++i) {
        const uint64_t n = next_use(candidates[i]);
        if (n > furthest) {
            best = i;
            furthest = n;
        }
    }
    return best;
}

} // namespace hoard::offload
