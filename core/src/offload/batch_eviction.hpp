#pragma once
// Which copy a batch (prefill) pass evicts. A pass over a batch of tokens
// needs nearly every expert of every layer, in layer order, pass after pass:
// a cyclic pattern on which the online policies (LRU above all) reload
// almost everything each pass. Belady's optimum for it needs no future: the
// copy needed last is the one whose layer comes round last. At layer C,
// copies of layers up to C (done in this pass; those of C still needed are
// pinned) are needed again in the next pass, C last; copies of later layers
// are needed in this pass, the last layer last. So a batch pass evicts from
// layers C, C-1, ..., 0, then n_layer-1, ..., C+1 (the prefill lookahead's
// copies of C+1 go last).
//
// Real routing leaves some experts of a layer unused in a pass, mostly the
// same ones pass after pass: a copy not used the last time its layer ran
// (stale) is predicted not to be needed next time either, and goes before
// any copy that was used, in the same layer order.
#include <cstdint>

namespace hoard::offload {

// Layers that run after `current_layer` until `layer` runs again: 1 for the
// next layer, n_layer for the current one. The larger, the later it is needed.
uint32_t layers_until_next_use(uint16_t layer, uint16_t current_layer, uint32_t n_layer);

// Whether a copy last used in batch pass `used_pass` was not used the last
// time its layer ran, now in batch pass `pass` at `current_layer` (passes
// count batch passes; decode steps belong to the batch pass before them).
bool stale_in_batch(uint16_t layer, uint32_t used_pass, uint16_t current_layer, uint32_t pass);

// How a batch pass at `current_layer` ranks a copy for eviction: the higher,
// the sooner it goes. A computed copy of the current layer ranks n_layer.
uint32_t batch_eviction_rank(uint16_t layer, bool stale, uint16_t current_layer, uint32_t n_layer);

} // namespace hoard::offload
