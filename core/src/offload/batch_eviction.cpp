#include "offload/batch_eviction.hpp"

namespace hoard::offload {

uint32_t layers_until_next_use(uint16_t layer, uint16_t current_layer, uint32_t n_layer) {
    return layer > current_layer ? uint32_t(layer - current_layer)
                                 : n_layer - uint32_t(current_layer - layer);
}

bool stale_in_batch(uint16_t layer, uint32_t used_pass, uint16_t current_layer, uint32_t pass) {
    // Layers up to the current one last ran in this pass, later ones in the one before.
    const uint32_t last_run = layer <= current_layer ? pass : pass - 1;
    return pass > 0 && used_pass < last_run;
}

uint32_t batch_eviction_rank(uint16_t layer, bool stale, uint16_t current_layer, uint32_t n_layer) {
    return (stale ? n_layer : 0) + layers_until_next_use(layer, current_layer, n_layer);
}

} // namespace hoard::offload
