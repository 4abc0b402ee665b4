#pragma once
// Scaled dot-product attention of a batch of query positions over a KV cache,
// with grouped KV heads (query head h reads KV head h / (n_head / n_head_kv))
// and causal masking (query t, at position first_position + t, sees cache
// positions 0 … first_position + t).
#include "backend/cpu/thread_pool.hpp"

#include <cstddef>

namespace hoard::backend::cpu {

struct AttentionShape {
    size_t n_head = 0;
    size_t n_head_kv = 0;
    size_t head_dim_k = 0; // query and key width per head
    size_t head_dim_v = 0; // value (and output) width per head
    float scale = 1.0f;    // applied to q·k, usually 1/sqrt(head_dim_k)
};

// One layer's cache: position p's keys at k + p * k_stride (n_head_kv heads of
// head_dim_k values back to back), its values at v + p * v_stride.
struct KvView {
    const float* k = nullptr;
    const float* v = nullptr;
    size_t k_stride = 0;
    size_t v_stride = 0;
};

// q: n_tokens rows of n_head · head_dim_k values, q_stride floats apart.
// out: n_tokens rows of n_head · head_dim_v values, out_stride floats apart.
// The cache must already hold positions up to first_position + n_tokens - 1.
void attention(ThreadPool& pool, const AttentionShape& shape, const float* q, size_t q_stride,
               size_t n_tokens, size_t first_position, const KvView& kv, float* out,
               size_t out_stride);

} // namespace hoard::backend::cpu
