#pragma once
// Belady's optimum for replay: knowing every future request, evict the copy
// whose next use is furthest away (never used again counts as infinitely far).
// A high copy's next use is the expert's next request; a low copy's is the
// next request only when that one asks for low precision (a high demand
// replaces it). For copies of one size and demand loading this maximizes the
// hit rate; ties go to the first candidate.
#include "offload/cache_policy.hpp"

namespace hoard::offload {

class BeladyPolicy final : public CachePolicy {
  public:
    // `future`: every request of the run in order, time equal to index.
    explicit BeladyPolicy(std::vector<ExpertRequest> future) : future_(std::move(future)) {}
    const char* name() const override { return "belady"; }
    void prepare(uint32_t n_layer, uint32_t n_expert) override;
    void on_request(const ExpertRequest& request) override;
    void on_use(const ResidentCopy&, const ExpertRequest&) override {}
    void on_insert(const ResidentCopy&, uint64_t) override {}
    size_t choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                         uint64_t time) override;

    static constexpr uint64_t kNever = UINT64_MAX;
    // Time of the next request this copy would serve, or kNever.
    uint64_t next_use(const ResidentCopy& copy) const;

  private:
    size_t key(uint16_t layer, uint16_t expert) const { return size_t(layer) * n_expert_ + expert; }
    std::vector<ExpertRequest> future_;
    uint32_t n_expert_ = 0;
    std::vector<uint64_t> next_same_; // per request: the same expert's next request
    std::vector<uint64_t> next_;      // per (layer, expert): its next request
};

} // namespace hoard::offload
