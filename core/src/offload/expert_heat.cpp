#include "offload/expert_heat.hpp"

#include <cmath>

namespace hoard::offload {

ExpertHeat::ExpertHeat(uint32_t n_layer, uint32_t n_expert, double half_life_tokens)
    : n_expert_(n_expert), half_life_(half_life_tokens > 0 ? half_life_tokens : 32),
      counts_(size_t(n_layer) * n_expert) {}

double ExpertHeat::decay(uint64_t from, uint64_t to) const {
    return to > from ? std::exp2(-double(to - from) / half_life_) : 1.0;
}

void ExpertHeat::on_request(uint16_t layer, uint16_t expert, uint64_t token) {
    Count& c = counts_[size_t(layer) * n_expert_ + expert];
    c.value = c.value * decay(c.token, token) + 1.0;
    c.token = token;
}

double ExpertHeat::heat(uint16_t layer, uint16_t expert, uint64_t token) const {
    const Count& c = counts_[size_t(layer) * n_expert_ + expert];
    return c.value * decay(c.token, token);
}

} // namespace hoard::offload
