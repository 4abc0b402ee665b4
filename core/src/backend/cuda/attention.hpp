#pragma once
// Causal scaled dot-product attention over the device KV cache, with grouped
// KV heads (query head h reads KV head h / (n_head / n_head_kv)); the same
// kernel serves decode (one token) and prefill (a batch of positions).
#include <cstddef>
#include <cstdint>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

struct AttentionJob {
    const float* q = nullptr; // n_tokens rows of n_head · head_dim
    float* out = nullptr;     // n_tokens rows of n_head · head_dim_v
    // The layer's cache: position p's keys at k_cache + p · n_head_kv · head_dim.
    const float* k_cache = nullptr;
    const float* v_cache = nullptr;
    size_t n_tokens = 0;
    size_t n_head = 0, n_head_kv = 0, head_dim = 0, head_dim_v = 0;
    float scale = 1.0f;
    // Token t sits at position first_position[0] + t and sees positions 0 … that.
    const int32_t* first_position = nullptr; // device memory
};

// Head widths up to kMaxHeadDim.
inline constexpr size_t kMaxHeadDim = 256;

void attention(const AttentionJob& job, cudaStream_t stream);

} // namespace hoard::backend::cuda
