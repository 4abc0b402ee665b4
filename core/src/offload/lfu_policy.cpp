#include "offload/lfu_policy.hpp"

namespace hoard::offload {

void LfuPolicy::prepare(uint32_t n_layer, uint32_t n_expert) {
    n_expert_ = n_expert;
    count_.assign(size_t(n_layer) * n_expert, 0);
    last_use_.assign(size_t(n_layer) * n_expert, 0);
}

void LfuPolicy::on_request(const ExpertRequest& request) {
    ++count_[key(request.layer, request.expert)];
}

void LfuPolicy::on_use(const ResidentCopy& copy, const ExpertRequest& request) {
    last_use_[key(copy.layer, copy.expert)] = request.time;
}

void LfuPolicy::on_insert(const ResidentCopy& copy, uint64_t time) {
    last_use_[key(copy.layer, copy.expert)] = time;
}

size_t LfuPolicy::choose_victim(std::span<const ResidentCopy> candidates, uint16_t, uint64_t) {
    size_t best = 0;
    for (size_t i = 1; i < candidates.size(); ++i) {
        const size_t a = key(candidates[i].layer, candidates[i].expert);
        const size_t b = key(candidates[best].layer, candidates[best].expert);
        if (count_[a] < count_[b] || (count_[a] == count_[b] && last_use_[a] < last_use_[b]))
            best = i;
    }
    return best;
}

} // namespace hoard::offload
