#pragma once
// The multi-dimensional policy (after HOBBIT): each candidate gets an
// eviction score, a weighted sum of four parts, each between 0 and 1 and
// larger when the copy is a better one to evict:
//   recency        age since last use / the largest age among the candidates
//   frequency      1 − requests of the expert in this sequence / the candidates' most
//   high_precision 1 − requests needing high precision in this sequence / the most
//   layer_distance layers that run before the copy's layer is evaluated again,
//                  / (n_layer − 1): the layer just evaluated is furthest away
// The highest score is evicted; ties go to the least recently used, then the
// first candidate. Per-sequence counts restart at each sequence.
#include "offload/cache_policy.hpp"

namespace hoard::offload {

class MultiPolicy final : public CachePolicy {
  public:
    explicit MultiPolicy(const MultiPolicyWeights& weights) : weights_(weights) {}
    const char* name() const override { return "multi"; }
    void prepare(uint32_t n_layer, uint32_t n_expert) override;
    void on_sequence_start() override;
    void on_request(const ExpertRequest& request) override;
    void on_use(const ResidentCopy& copy, const ExpertRequest& request) override;
    void on_insert(const ResidentCopy& copy, uint64_t time) override;
    size_t choose_victim(std::span<const ResidentCopy> candidates, uint16_t current_layer,
                         uint64_t time) override;

    // The score choose_victim() compares, for tests and explanations.
    double eviction_score(const ResidentCopy& copy, std::span<const ResidentCopy> candidates,
                          uint16_t current_layer, uint64_t time) const;

  private:
    size_t key(uint16_t layer, uint16_t expert) const { return size_t(layer) * n_expert_ + expert; }
    struct Maxima {
        uint64_t age = 0, freq = 0, high = 0;
    };
    Maxima maxima(std::span<const ResidentCopy> candidates, uint64_t time) const;
    double score(const ResidentCopy& copy, const Maxima& m, uint16_t current_layer,
                 uint64_t time) const;

    MultiPolicyWeights weights_;
    uint32_t n_layer_ = 0, n_expert_ = 0;
    std::vector<uint64_t> last_use_;
    std::vector<uint32_t> seq_requests_;      // this sequence
    std::vector<uint32_t> seq_high_requests_; // this sequence, demanding high precision
};

} // namespace hoard::offload
