#pragma once
// Least recently used: evicts the copy whose last use (or load) is oldest;
// ties go to the first candidate.
#include "offload/cache_policy.hpp"

namespace hoard::offload {

class LruPolicy final : public CachePolicy {
  public:
    const char* name() const override { return "lru"; }
    void prepare(uint32_t n_layer, uint32_t n_expert) override;
    void on_use(const ResidentCopy& copy, const ExpertRequest& request) override;
    void on_insert(const ResidentCopy& copy, uint64_t time) override;
    size_t choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                         uint64_t time) override;

  private:
    size_t key(const ResidentCopy& c) const { return size_t(c.layer) * n_expert_ + c.expert; }
    uint32_t n_expert_ = 0;
    std::vector<uint64_t> last_use_; // per (layer, expert)
};

} // namespace hoard::offload
