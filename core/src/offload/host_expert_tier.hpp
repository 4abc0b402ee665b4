#pragma once
// Host memory as the middle tier of the live engine: expert copies held in
// RAM up to a budget (0: unlimited), read from storage when missing and
// dropped least-recently-used first. A copy is pinned while the link or a CPU
// expert reads it, and a pinned copy is never dropped. Used from the engine's
// thread only.
#include "offload/expert_layout.hpp"
#include "offload/expert_storage.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <vector>

namespace hoard::offload {

// Where host copies live: the heap by default. A GPU backend gives
// page-locked memory instead, which its copy engine reads at the link's full
// speed (pageable memory goes through the driver's own staging, far slower).
struct HostAllocator {
    std::function<uint8_t*(uint64_t bytes)> allocate; // throws hoard::Error when it cannot
    std::function<void(uint8_t* data, uint64_t bytes)> release;
};

class HostExpertTier {
  public:
    HostExpertTier(const ExpertCatalog& catalog, const ExpertStorage& storage,
                   uint64_t capacity_bytes);
    ~HostExpertTier();
    HostExpertTier(const HostExpertTier&) = delete;
    HostExpertTier& operator=(const HostExpertTier&) = delete;

    // Before any copy is read; copies read from then on use it.
    void set_allocator(HostAllocator allocator);

    struct Acquired {
        const uint8_t* data = nullptr; // null: no room (every resident copy is pinned)
        uint64_t bytes_read = 0;       // from storage, when it was missing
        double t_start = 0, t_end = 0; // of that read, on the caller's clock
    };
    // Pins the copy, reading it first when missing; `clock` tells the time
    // after a read (seconds, the caller's clock, which gave `now_seconds`).
    Acquired acquire(uint32_t layer, uint32_t expert, Precision p, double now_seconds,
                     const std::function<double()>& clock);
    void release(uint32_t layer, uint32_t expert, Precision p);
    bool contains(uint32_t layer, uint32_t expert, Precision p) const {
        return entries_[key(layer, expert, p)].data != nullptr;
    }
    // Where a copy is in host memory (null when it is not); does not pin it.
    const uint8_t* peek(uint32_t layer, uint32_t expert, Precision p) const {
        return entries_[key(layer, expert, p)].data;
    }

    // Fills the tier in layer order: every high copy, then (with_low) every
    // low one, while they fit. `progress` gets the fraction done. With more
    // than one thread, copies are allocated and read concurrently (a page-
    // locking allocator and the page cache both go faster that way).
    void preload(bool with_low, const std::function<void(double)>& progress, size_t n_threads = 1);

    bool unlimited() const { return capacity_ == 0; }
    uint64_t capacity() const { return capacity_; }
    uint64_t used_bytes() const { return used_; }
    uint64_t peak_bytes() const { return peak_; }
    uint64_t storage_bytes() const { return storage_bytes_; }
    uint64_t storage_reads() const { return storage_reads_; }

  private:
    struct Entry {
        uint8_t* data = nullptr; // from allocator_
        uint32_t pins = 0;
        std::list<uint32_t>::iterator where;
    };
    size_t key(uint32_t layer, uint32_t expert, Precision p) const {
        return (size_t(layer) * n_expert_ + expert) * 2 + (p == Precision::Low ? 1 : 0);
    }
    uint64_t bytes_of(size_t k) const;
    // Frees unpinned copies, oldest first, until `bytes` fit; false when they cannot.
    bool make_room(uint64_t bytes);
    void load(size_t k);
    void free_entry(size_t k);

    const ExpertCatalog& catalog_;
    const ExpertStorage& storage_;
    HostAllocator allocator_;
    uint32_t n_expert_;
    uint64_t capacity_, used_ = 0, peak_ = 0;
    uint64_t storage_bytes_ = 0, storage_reads_ = 0;
    std::vector<Entry> entries_;
    std::list<uint32_t> order_; // most recently used first
};

} // namespace hoard::offload
