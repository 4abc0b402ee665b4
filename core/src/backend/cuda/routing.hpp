#pragma once
// The router of a MoE layer on the device: softmax over the expert logits,
// the top k (ties to the lower id) with their weights, and the batch's
// (token, slot) pairs grouped by expert for the grouped matrix products.
#include <cstddef>
#include <cstdint>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

inline constexpr size_t kMaxExperts = 1024;

// For t < n_tokens: selected[t·k + s] and weights[t·k + s], best first, from
// logits[t·n_expert …]; weights renormalized to sum to 1 when `normalize`.
// log_selected / log_weights (both or neither): a second copy of each, kept
// for the host after the pass (telemetry, routing traces).
void route_tokens(const float* logits, size_t n_tokens, size_t n_expert, size_t k, bool normalize,
                  int32_t* selected, float* weights, cudaStream_t stream,
                  int32_t* log_selected = nullptr, float* log_weights = nullptr);

// offsets[e] … offsets[e + 1]: where expert e's pairs (t·k + s) lie in `list`;
// offsets has n_expert + 1 entries. `counts` is scratch of n_expert entries.
// The order of pairs within an expert is unspecified (each pair's result is
// computed and stored on its own).
void group_pairs(const int32_t* selected, size_t n_pairs, size_t n_expert, uint32_t* counts,
                 uint32_t* offsets, uint32_t* list, cudaStream_t stream);

} // namespace hoard::backend::cuda
