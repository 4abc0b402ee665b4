#pragma once
// How much each expert has been asked for lately: a count of its requests
// that halves every `half_life` tokens. With split experts a decode miss
// costs less than a load, so a miss is loaded (behind its split) only when
// its expert is clearly hotter than a copy it could displace: asked for at
// least `factor` times as often as its layer's coolest resident expert
// (TinyLFU's admission). Under routing spread evenly that admits little (a
// resident set is as good as any other); when the routing moves on, stale
// residents cool and the new hot experts come in.
#include <cstdint>
#include <vector>

namespace hoard::offload {

class ExpertHeat {
  public:
    ExpertHeat(uint32_t n_layer, uint32_t n_expert, double half_life_tokens = 32);

    void on_request(uint16_t layer, uint16_t expert, uint64_t token);
    double heat(uint16_t layer, uint16_t expert, uint64_t token) const;
    // Whether the expert is hotter than `factor` times the coolest of its
    // layer's experts for which resident(e) holds (none resident: whether it
    // was asked for more than once lately).
    template <class Resident>
    bool hotter_than_residents(uint16_t layer, uint16_t expert, uint64_t token, Resident&& resident,
                               double factor = 2.0) const {
        const double h = heat(layer, expert, token);
        if (h <= 1.0) return false;
        double coolest = -1;
        for (uint32_t e = 0; e < n_expert_; ++e)
            if (resident(uint16_t(e))) {
                const double r = heat(layer, uint16_t(e), token);
                if (coolest < 0 || r < coolest) coolest = r;
            }
        return coolest < 0 || h >= factor * coolest;
    }

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
