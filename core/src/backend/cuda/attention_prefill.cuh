#pragma once
// The batched (prefill) attention kernel, launched by attention.cu.
#include "backend/cuda/attention.hpp"

namespace hoard::backend::cuda {

// Head widths the tiled prefill kernel takes (wider heads use the per-token kernel).
inline constexpr size_t kPrefillMaxHeadDim = 128;

// Launches the tiled kernel for job (n_tokens ≥ 1, head widths ≤ kPrefillMaxHeadDim).
void attention_prefill(const AttentionJob& job, cudaStream_t stream);

} // namespace hoard::backend::cuda
