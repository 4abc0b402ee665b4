#include "offload/host_expert_tier.hpp"

#include <algorithm>

namespace hoard::offload {

HostExpertTier::HostExpertTier(const ExpertCatalog& catalog, const ExpertStorage& storage,
                               uint64_t capacity_bytes)
    : catalog_(catalog), storage_(storage), n_expert_(catalog.n_expert()),
      capacity_(capacity_bytes) {
    entries_.resize(size_t(catalog.n_layer()) * n_expert_ * 2);
}

uint64_t HostExpertTier::bytes_of(size_t k) const {
    const uint32_t le = uint32_t(k / 2);
    return catalog_.layout(le / n_expert_, le % n_expert_, k % 2 ? Precision::Low : Precision::High)
        .blob_bytes;
}

bool HostExpertTier::make_room(uint64_t bytes) {
    if (unlimited()) return true;
    if (bytes > capacity_) return false;
    uint64_t freeable = 0;
    for (uint32_t k : order_)
        if (entries_[k].pins == 0) freeable += bytes_of(k);
    if (capacity_ - used_ + freeable < bytes) return false;
    auto it = order_.end();
    while (capacity_ - used_ < bytes) {
        --it; // from the least recently used end; the check above guarantees a victim
        if (entries_[*it].pins != 0) continue;
        const uint32_t victim = *it;
        it = order_.erase(it);
        entries_[victim].data.reset();
        used_ -= bytes_of(victim);
    }
    return true;
}

void HostExpertTier::load(size_t k) {
    Entry& e = entries_[k];
    const uint64_t bytes = bytes_of(k);
    e.data = std::unique_ptr<uint8_t[]>(new uint8_t[bytes]);
    const uint32_t le = uint32_t(k / 2);
    try {
        storage_bytes_ += storage_.read(le / n_expert_, le % n_expert_,
                                        k % 2 ? Precision::Low : Precision::High, e.data.get());
    } catch (...) {
        e.data.reset();
        throw;
    }
    ++storage_reads_;
    order_.push_front(uint32_t(k));
    e.where = order_.begin();
    used_ += bytes;
    peak_ = std::max(peak_, used_);
}

HostExpertTier::Acquired HostExpertTier::acquire(uint32_t layer, uint32_t expert, Precision p,
                                                 double now_seconds,
                                                 const std::function<double()>& clock) {
    const size_t k = key(layer, expert, p);
    Entry& e = entries_[k];
    Acquired a;
    if (e.data) {
        order_.splice(order_.begin(), order_, e.where);
    } else {
        if (!make_room(bytes_of(k))) return a;
        const uint64_t before = storage_bytes_;
        a.t_start = now_seconds;
        load(k);
        a.bytes_read = storage_bytes_ - before;
        a.t_end = clock ? clock() : now_seconds;
    }
    ++e.pins;
    a.data = e.data.get();
    return a;
}

void HostExpertTier::release(uint32_t layer, uint32_t expert, Precision p) {
    Entry& e = entries_[key(layer, expert, p)];
    if (e.pins > 0) --e.pins;
}

void HostExpertTier::preload(bool with_low, const std::function<void(double)>& progress) {
    const uint32_t n_layer = catalog_.n_layer();
    const size_t total = size_t(n_layer) * n_expert_ * (with_low ? 2 : 1);
    size_t done = 0;
    for (Precision p : {Precision::High, Precision::Low}) {
        if (p == Precision::Low && !with_low) break;
        for (uint32_t l = 0; l < n_layer; ++l)
            for (uint32_t e = 0; e < n_expert_; ++e, ++done) {
                const size_t k = key(l, e, p);
                if (entries_[k].data) continue;
                if (!unlimited() && used_ + bytes_of(k) > capacity_) return;
                load(k);
                if (progress) progress(double(done + 1) / double(total));
            }
    }
}

} // namespace hoard::offload
