#pragma once
// Host memory as a tier between storage and the device: which expert copies
// are in RAM. Unlimited by default (the whole model is held); with a budget it
// keeps the least recently used copies out and reads misses from storage.
#include "offload/offload_shape.hpp"

#include <cstdint>
#include <list>
#include <vector>

namespace hoard::offload {

class HostTier {
  public:
    // capacity_bytes 0: unlimited. With a budget, starts filled with high
    // copies in layer order, as a loader reading the file front to back would.
    HostTier(const OffloadShape& shape, uint64_t capacity_bytes);

    bool unlimited() const { return capacity_ == 0; }
    bool contains(uint16_t layer, uint16_t expert, Precision p) const;
    // Makes the copy present (reading it from storage when missing, evicting
    // the least recently used) and marks it used; returns the bytes read from
    // storage. A copy larger than the tier is read but not kept.
    uint64_t fetch(uint16_t layer, uint16_t expert, Precision p);
    uint64_t used_bytes() const { return used_; }
    uint64_t capacity() const { return capacity_; }

  private:
    size_t key(uint16_t layer, uint16_t expert, Precision p) const {
        return (size_t(layer) * n_expert_ + expert) * 2 + (p == Precision::Low ? 1 : 0);
    }
    uint64_t bytes_of(size_t k) const;
    void add(size_t k);

    std::vector<uint64_t> bytes_high_, bytes_low_; // per layer
    uint32_t n_expert_;
    uint64_t capacity_, used_ = 0;
    std::list<uint32_t> order_; // most recently used first
    std::vector<std::list<uint32_t>::iterator> where_;
    std::vector<uint8_t> present_;
};

} // namespace hoard::offload
