#pragma once
// The parts of a transformer block every architecture shares, applied to a
// batch of consecutive tokens: pre-norm attention over the KV cache and the
// dense SwiGLU feed-forward, each added to the residual stream in scratch.x.
#include "backend/cpu/thread_pool.hpp"

#include <cstddef>

namespace hoard::model {

struct ModelConfig;
struct LayerWeights;
struct EvalScratch;
class KvCache;

struct BlockContext {
    const ModelConfig& config;
    backend::cpu::ThreadPool& pool;
    KvCache& cache;
    EvalScratch& scratch;
    size_t layer;
    size_t first_position; // of the batch's first token
    size_t n_tokens;
};

// x += attn_output(attention(rope(q), rope(k), v)) of rms_norm(x); writes the
// batch's keys and values into the cache at their positions.
void attention_block(const BlockContext& ctx, const LayerWeights& w);

// x += down(silu(gate(h)) · up(h)) with h = rms_norm(x).
void dense_ffn_block(const BlockContext& ctx, const LayerWeights& w);

// xn = rms_norm(x) row by row, for the batch.
void normalize_rows(const BlockContext& ctx, const float* weight);

} // namespace hoard::model
