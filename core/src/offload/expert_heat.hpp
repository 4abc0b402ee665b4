#pragma once
// How much each expert has been asked for lately: a count of its requests
// that halves every `half_life` tokens. With split experts a decode miss
// costs less than a load, so a miss is loaded (behind its split) only when
// its expert is hot: asked for at least `factor` times as often as its
// layer's experts on average. Replaying the shared Mixtral trace (hoard
// replay --split on, 25-87.5 % resident), factor 1 decoded fastest: 1.5 let
// the cache go stale (75 % resident: 71 -> 51 tok/s), 0.5 loaded too much.
#include <cstdint>
#include <vector>

namespace hoard::offload {

class ExpertHeat {
  public:
    ExpertHeat(uint32_t n_layer, uint32_t n_expert, double half_life_tokens = 32);

    void on_request(uint16_t layer, uint16_t expert, uint64_t token);
    double heat(uint16_t layer, uint16_t expert, uint64_t token) const;
    double layer_mean(uint16_t layer, uint64_t token) const;
    // Whether the expert is hot enough to be loaded behind its split.
    bool hot(uint16_t layer, uint16_t expert, uint64_t token, double factor = 1.0) const;

  private:
    double decay(uint64_t from, uint64_t to) const;
    uint32_t n_expert_;
    double half_life_;
    struct Count {
        double value = 0;
        uint64_t token = 0; // as of
    };
    std::vector<Count> counts_; // per (layer, expert)
};

} // namespace hoard::offload
