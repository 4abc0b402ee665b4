#include "offload/lru_policy.hpp"

namespace hoard::offload {

void LruPolicy::prepare(uint32_t n_layer, uint32_t n_expert) {
    n_expert_ = n_expert;
    last_use_.assign(size_t(n_layer) * n_expert, 0);
}

void LruPolicy::on_use(const ResidentCopy& copy, const ExpertRequest& request) {
    last_use_[key(copy)] = request.time;
}

void LruPolicy::on_insert(const ResidentCopy& copy, uint64_t time) {
    last_use_[key(copy)] = time;
}

size_t LruPolicy::choose_victim(std::span<const ResidentCopy> candidates, uint16_t, uint64_t) {
    size_t best = 0;
    for (size_t i = 1; i < candidates.size(); ++i)
        if (last_use_[key(candidates[i])] < last_use_[key(candidates[best])]) best = i;
    return best;
}

} // namespace hoard::offload
