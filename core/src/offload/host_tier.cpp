#include "offload/host_tier.hpp"

namespace hoard::offload {

HostTier::HostTier(const OffloadShape& shape, uint64_t capacity_bytes)
    : bytes_high_(shape.expert_bytes_high), bytes_low_(shape.expert_bytes_low),
      n_expert_(shape.n_expert), capacity_(capacity_bytes) {
    const size_t n = size_t(shape.n_layer) * shape.n_expert * 2;
    where_.resize(n);
    present_.assign(n, 0);
    if (unlimited()) return;
    for (uint32_t l = 0; l < shape.n_layer; ++l)
        for (uint32_t e = 0; e < shape.n_expert; ++e) {
            const size_t k = key(uint16_t(l), uint16_t(e), Precision::High);
            if (used_ + bytes_of(k) > capacity_) return;
            add(k);
        }
}

uint64_t HostTier::bytes_of(size_t k) const {
    const uint32_t layer = uint32_t(k / 2 / n_expert_);
    return k % 2 ? bytes_low_[layer] : bytes_high_[layer];
}

void HostTier::add(size_t k) {
    order_.push_front(uint32_t(k));
    where_[k] = order_.begin();
    present_[k] = 1;
    used_ += bytes_of(k);
}

bool HostTier::contains(uint16_t layer, uint16_t expert, Precision p) const {
    return unlimited() || present_[key(layer, expert, p)];
}

uint64_t HostTier::fetch(uint16_t layer, uint16_t expert, Precision p) {
    if (unlimited()) return 0;
    const size_t k = key(layer, expert, p);
    if (present_[k]) {
        order_.splice(order_.begin(), order_, where_[k]);
        return 0;
    }
    const uint64_t bytes = bytes_of(k);
    if (bytes > capacity_) return bytes;
    while (used_ + bytes > capacity_) {
        const uint32_t victim = order_.back();
        order_.pop_back();
        present_[victim] = 0;
        used_ -= bytes_of(victim);
    }
    add(k);
    return bytes;
}

} // namespace hoard::offload
