#pragma once
// Least frequently used: evicts the copy whose expert was requested least
// often since the run began (requests are counted whether or not the expert
// was resident, so a newly loaded expert is not the first to go just because
// it is new); ties go to the least recently used, then the first candidate.
#include "offload/cache_policy.hpp"

namespace hoard::offload {

class LfuPolicy final : public CachePolicy {
  public:
    const char* name() const override { return "lfu"; }
    void prepare(uint32_t n_layer, uint32_t n_expert) override;
    void on_request(const ExpertRequest& request) override;
    void on_use(const ResidentCopy& copy, const ExpertRequest& request) override;
    void on_insert(const ResidentCopy& copy, uint64_t time) override;
    size_t choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                         uint64_t time) override;

  private:
    size_t key(uint16_t layer, uint16_t expert) const { return size_t(layer) * n_expert_ + expert; }
    uint32_t n_expert_ = 0;
    std::vector<uint64_t> count_;    // requests per (layer, expert)
    std::vector<uint64_t> last_use_; // tie-break
};

} // namespace hoard::offload
