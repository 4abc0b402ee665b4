#pragma once
// Which experts are resident on the device, at which precision, in which
// pool, and since when they are usable. Byte accounting per pool is exact: a
// pool's copies never add up to more than its capacity. Copies of the layer
// being evaluated are pinned (they are about to be computed) and never evicted.
// The policy chooses victims, except in a batch pass (see batch_eviction.hpp),
// where the batch rule ranks them and the policy only breaks ties.
#include "offload/budget_plan.hpp"
#include "offload/cache_policy.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace hoard::offload {

class ExpertCache {
  public:
    struct Entry {
        bool resident = false;
        Precision precision = Precision::High;
        uint64_t bytes = 0;
        double ready_time = 0;   // when its transfer completes (seconds)
        bool prefetched = false; // loaded ahead of need and not used yet
    };

    // Shared: one pool of high_pool_bytes for both precisions. Separate: high
    // copies in high_pool_bytes, low copies in low_pool_bytes. With slot
    // classes, the high (or shared) pool is one pool per class instead, and a
    // copy's bytes (its footprint: the slot size of its class) name its pool.
    ExpertCache(uint32_t n_layer, uint32_t n_expert, PoolLayout layout, uint64_t high_pool_bytes,
                uint64_t low_pool_bytes, CachePolicy& policy,
                std::span<const SlotClass> slot_classes = {});
    ExpertCache(uint32_t n_layer, uint32_t n_expert, const BudgetPlan& plan, CachePolicy& policy)
        : ExpertCache(n_layer, n_expert, plan.layout, plan.high_pool_bytes, plan.low_pool_bytes,
                      policy, plan.slot_classes) {}

    const Entry& entry(uint16_t layer, uint16_t expert) const {
        return entries_[key(layer, expert)];
    }
    bool resident(uint16_t layer, uint16_t expert) const { return entry(layer, expert).resident; }

    void pin(uint16_t layer, uint16_t expert);
    void unpin(uint16_t layer, uint16_t expert);
    bool pinned(uint16_t layer, uint16_t expert) const { return pinned_[key(layer, expert)] != 0; }
    void unpin_all();

    // A forward pass begins. A batch pass evicts by the batch rule (until a
    // pass that is not one begins) and starts a new round of the layers.
    void begin_pass(bool batch);
    bool batch_pass() const { return batch_pass_; }

    // Makes room (evicting by the policy or the batch rule, never a pinned
    // copy) and inserts the copy; a resident low copy of the same expert is
    // replaced by a high one. Returns false, changing nothing, when the copy
    // cannot fit. Evicted copies are appended to `evicted` when given.
    // `current_layer`: the layer being evaluated (the policy may weigh
    // distance to it; the batch rule orders by it).
    bool insert(const ResidentCopy& copy, uint64_t bytes, uint64_t time, uint16_t current_layer,
                double ready_time, bool prefetched, std::vector<ResidentCopy>* evicted = nullptr);
    // In a batch pass: whether the copy fits in its pool evicting only
    // copies ranked with or above a computed copy of `current_layer` (stale
    // copies, unpinned copies of that layer). When not, the caller computes
    // the layer's queued experts first so that their copies go instead of
    // copies needed sooner (Belady's choice: see batch_eviction.hpp).
    bool fits_before_sooner_copies(const ResidentCopy& copy, uint64_t bytes,
                                   uint16_t current_layer) const;
    // Batch passes: whether `copy` fits by evicting only copies this pass
    // has finished with (layers up to `current_layer`) or stale ones, so that
    // a load ahead of need never costs the pass another load later.
    bool fits_evicting_finished_copies(const ResidentCopy& copy, uint64_t bytes,
                                       uint16_t current_layer) const;
    // Whether a copy of precision p taking `bytes` fits without evicting.
    bool has_room(Precision p, uint64_t bytes) const {
        const Pool& pool = pools_[pool_of(p, bytes)];
        return pool.capacity - pool.used >= bytes;
    }
    // When a copy inserted ahead of its transfer becomes usable.
    void set_ready_time(uint16_t layer, uint16_t expert, double ready_time) {
        entries_[key(layer, expert)].ready_time = ready_time;
    }
    // A resident copy serves a request: tells the policy; returns true when it
    // was a prefetched copy used for the first time.
    bool use(const ResidentCopy& copy, const ExpertRequest& request);

    size_t n_pools() const { return pools_.size(); }
    // The pool a copy of precision p taking `bytes` goes to.
    size_t pool_of(Precision p, uint64_t bytes) const;
    uint64_t capacity(size_t pool) const { return pools_[pool].capacity; }
    uint64_t used_bytes(size_t pool) const { return pools_[pool].used; }
    uint64_t peak_bytes(size_t pool) const { return pools_[pool].peak; }
    size_t n_resident() const;
    uint64_t evictions() const { return evictions_; }
    uint64_t batch_evictions() const { return batch_evictions_; } // chosen by the batch rule
    uint64_t prefetches_evicted_unused() const { return prefetch_wasted_; }

  private:
    struct Pool {
        uint64_t capacity = 0, used = 0, peak = 0;
        uint64_t slot_bytes = 0;       // a slot class's pool takes copies of this footprint
        std::vector<uint32_t> members; // keys of resident copies
    };
    size_t key(uint16_t layer, uint16_t expert) const { return size_t(layer) * n_expert_ + expert; }
    ResidentCopy copy_of(size_t k) const;
    void remove(size_t k);
    // The index in candidates_ of the copy to evict.
    size_t choose_victim(uint16_t current_layer, uint64_t time);
    uint32_t batch_rank(size_t k, uint16_t current_layer) const;
    // Whether `copy` fits evicting only unpinned copies ranked min_rank or higher.
    bool fits_evicting_ranks(const ResidentCopy& copy, uint64_t bytes, uint16_t current_layer,
                             uint32_t min_rank) const;

    uint32_t n_layer_, n_expert_;
    CachePolicy& policy_;
    std::vector<Pool> pools_;
    std::vector<Entry> entries_;
    std::vector<uint32_t> member_index_; // position of a key in its pool's members
    std::vector<uint8_t> pinned_;
    std::vector<uint32_t> pinned_keys_;
    std::vector<ResidentCopy> candidates_; // scratch
    std::vector<uint32_t> candidate_keys_;
    std::vector<uint32_t> used_pass_;        // per (layer, expert): batch pass of its last use
    std::vector<size_t> group_;              // scratch: the batch rule's candidates
    std::vector<ResidentCopy> group_copies_; // scratch
    bool separate_low_ = false;              // the last pool holds the low copies
    bool batch_pass_ = false;
    uint32_t pass_ = 0; // batch passes begun
    uint64_t evictions_ = 0, batch_evictions_ = 0, prefetch_wasted_ = 0;
};

} // namespace hoard::offload
