#include "offload/expert_cache.hpp"

#include "hoard/error.hpp"
#include "offload/batch_eviction.hpp"

#include <algorithm>

namespace hoard::offload {

ExpertCache::ExpertCache(uint32_t n_layer, uint32_t n_expert, PoolLayout layout,
                         uint64_t high_pool_bytes, uint64_t low_pool_bytes, CachePolicy& policy,
                         std::span<const SlotClass> slot_classes)
    : n_layer_(n_layer), n_expert_(n_expert), policy_(policy) {
    const size_t n = size_t(n_layer) * n_expert;
    if (slot_classes.empty()) {
        pools_.push_back({});
        pools_[0].capacity = high_pool_bytes;
    }
    for (const SlotClass& c : slot_classes) {
        Pool pool;
        pool.capacity = c.bytes();
        pool.slot_bytes = c.slot_bytes;
        pools_.push_back(pool);
    }
    separate_low_ = layout == PoolLayout::Separate;
    if (separate_low_) {
        pools_.push_back({});
        pools_.back().capacity = low_pool_bytes;
    }
    entries_.resize(n);
    member_index_.assign(n, 0);
    pinned_.assign(n, 0);
    used_pass_.assign(n, 0);
    policy_.prepare(n_layer, n_expert);
}

size_t ExpertCache::pool_of(Precision p, uint64_t bytes) const {
    if (separate_low_ && p == Precision::Low) return pools_.size() - 1;
    const size_t n_high = pools_.size() - (separate_low_ ? 1 : 0);
    // Slot classes: the one whose slots are exactly this footprint (the
    // device's copy_footprint), else the smallest that holds it.
    size_t fit = n_high;
    for (size_t i = 0; i < n_high && pools_[i].slot_bytes; ++i) {
        if (pools_[i].slot_bytes == bytes) return i;
        if (fit == n_high && pools_[i].slot_bytes >= bytes) fit = i;
    }
    return fit < n_high ? fit : 0;
}

ResidentCopy ExpertCache::copy_of(size_t k) const {
    return {uint16_t(k / n_expert_), uint16_t(k % n_expert_), entries_[k].precision};
}

void ExpertCache::pin(uint16_t layer, uint16_t expert) {
    const size_t k = key(layer, expert);
    if (!pinned_[k]) {
        pinned_[k] = 1;
        pinned_keys_.push_back(uint32_t(k));
    }
}

void ExpertCache::unpin(uint16_t layer, uint16_t expert) {
    const size_t k = key(layer, expert);
    if (!pinned_[k]) return;
    pinned_[k] = 0;
    pinned_keys_.erase(std::find(pinned_keys_.begin(), pinned_keys_.end(), uint32_t(k)));
}

void ExpertCache::unpin_all() {
    for (uint32_t k : pinned_keys_) pinned_[k] = 0;
    pinned_keys_.clear();
}

size_t ExpertCache::n_resident() const {
    size_t n = 0;
    for (const Pool& p : pools_) n += p.members.size();
    return n;
}

void ExpertCache::remove(size_t k) {
    Entry& e = entries_[k];
    Pool& pool = pools_[pool_of(e.precision, e.bytes)];
    const uint32_t pos = member_index_[k];
    pool.members[pos] = pool.members.back();
    member_index_[pool.members[pos]] = pos;
    pool.members.pop_back();
    pool.used -= e.bytes;
    if (e.prefetched) ++prefetch_wasted_;
    policy_.on_evict(copy_of(k));
    e = Entry{};
}

bool ExpertCache::insert(const ResidentCopy& copy, uint64_t bytes, uint64_t time,
                         uint16_t current_layer, double ready_time, bool prefetched,
                         std::vector<ResidentCopy>* evicted) {
    const size_t k = key(copy.layer, copy.expert);
    Entry& e = entries_[k];
    const bool replaces_low = e.resident;
    if (replaces_low && !(e.precision == Precision::Low && copy.precision == Precision::High))
        throw Error("expert cache: layer " + std::to_string(copy.layer) + " expert " +
                    std::to_string(copy.expert) + " is already resident");

    const size_t p = pool_of(copy.precision, bytes);
    Pool& pool = pools_[p];
    if (bytes > pool.capacity) return false;
    // Bytes that can be freed: unpinned copies of the pool, and the low copy
    // being replaced when it lives in the same pool.
    uint64_t freeable = 0;
    for (uint32_t m : pool.members)
        if (!pinned_[m] && m != k) freeable += entries_[m].bytes;
    if (replaces_low && pool_of(Precision::Low, e.bytes) == p) freeable += e.bytes;
    if (pool.capacity - pool.used + freeable < bytes) return false;

    if (replaces_low) {
        if (evicted) evicted->push_back(copy_of(k));
        remove(k);
        ++evictions_;
    }
    while (pool.capacity - pool.used < bytes) {
        candidates_.clear();
        candidate_keys_.clear();
        for (uint32_t m : pool.members)
            if (!pinned_[m] && m != k) {
                candidates_.push_back(copy_of(m));
                candidate_keys_.push_back(m);
            }
        const size_t victim = choose_victim(current_layer, time);
        if (evicted) evicted->push_back(candidates_[victim]);
        remove(candidate_keys_[victim]);
        ++evictions_;
        if (batch_pass_) ++batch_evictions_;
    }

    e.resident = true;
    e.precision = copy.precision;
    e.bytes = bytes;
    e.ready_time = ready_time;
    e.prefetched = prefetched;
    member_index_[k] = uint32_t(pool.members.size());
    pool.members.push_back(uint32_t(k));
    pool.used += bytes;
    pool.peak = std::max(pool.peak, pool.used);
    used_pass_[k] = pass_; // a copy loaded ahead is meant for this round
    policy_.on_insert(copy, time);
    return true;
}

void ExpertCache::begin_pass(bool batch) {
    batch_pass_ = batch;
    if (batch) ++pass_;
}

uint32_t ExpertCache::batch_rank(size_t k, uint16_t current_layer) const {
    const uint16_t layer = uint16_t(k / n_expert_);
    return batch_eviction_rank(layer, stale_in_batch(layer, used_pass_[k], current_layer, pass_),
                               current_layer, n_layer_);
}

bool ExpertCache::fits_evicting_ranks(const ResidentCopy& copy, uint64_t bytes,
                                      uint16_t current_layer, uint32_t min_rank) const {
    const size_t k = key(copy.layer, copy.expert);
    const Pool& pool = pools_[pool_of(copy.precision, bytes)];
    uint64_t room = pool.capacity - pool.used;
    for (uint32_t m : pool.members)
        if (m == k || (!pinned_[m] && batch_rank(m, current_layer) >= min_rank))
            room += entries_[m].bytes;
    return room >= bytes;
}

bool ExpertCache::fits_before_sooner_copies(const ResidentCopy& copy, uint64_t bytes,
                                            uint16_t current_layer) const {
    return fits_evicting_ranks(copy, bytes, current_layer, n_layer_);
}

bool ExpertCache::fits_evicting_finished_copies(const ResidentCopy& copy, uint64_t bytes,
                                                uint16_t current_layer) const {
    // Copies of layers up to the current one rank at least this high (see batch_eviction.hpp).
    return fits_evicting_ranks(copy, bytes, current_layer, n_layer_ - current_layer);
}

size_t ExpertCache::choose_victim(uint16_t current_layer, uint64_t time) {
    size_t victim = 0;
    if (!batch_pass_) {
        victim = policy_.choose_victim(candidates_, current_layer, time);
    } else {
        // The highest rank; the policy picks among its copies.
        uint32_t top = 0;
        group_.clear();
        for (size_t i = 0; i < candidates_.size(); ++i) {
            const uint32_t rank = batch_rank(candidate_keys_[i], current_layer);
            if (rank < top) continue;
            if (rank > top) group_.clear();
            top = rank;
            group_.push_back(i);
        }
        group_copies_.clear();
        for (size_t i : group_) group_copies_.push_back(candidates_[i]);
        const size_t pick = policy_.choose_victim(group_copies_, current_layer, time);
        victim = pick < group_.size() ? group_[pick] : candidates_.size();
    }
    if (victim >= candidates_.size())
        throw Error("cache policy " + std::string(policy_.name()) + " chose no candidate");
    return victim;
}

bool ExpertCache::use(const ResidentCopy& copy, const ExpertRequest& request) {
    const size_t k = key(copy.layer, copy.expert);
    Entry& e = entries_[k];
    used_pass_[k] = pass_;
    policy_.on_use(copy, request);
    const bool first_prefetch_use = e.prefetched;
    e.prefetched = false;
    return first_prefetch_use;
}

} // namespace hoard::offload
