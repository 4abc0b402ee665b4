#pragma once
// Picks the next token from a row of logits: repetition penalty, then
// temperature, top-k, top-p and min-p filtering, then a seeded random draw.
// Temperature 0 (or below) means greedy.
#include "hoard/generation.hpp"

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hoard::runtime {

using hoard::SamplingParams;

class Sampler {
  public:
    explicit Sampler(const SamplingParams& params);

    // `logits` is modified in place; `recent` holds the tokens seen so far.
    int32_t sample(std::span<float> logits, std::span<const int32_t> recent);

    const SamplingParams& params() const { return params_; }

  private:
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    void apply_repeat_penalty(std::span<float> logits, std::span<const int32_t> recent) const;

    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<Candidate> candidates_;
};

int32_t argmax(std::span<const float> logits);

} // namespace hoard::runtime
