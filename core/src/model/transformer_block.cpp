#include "model/transformer_block.hpp"

#include "backend/cpu/attention.hpp"
#include "backend/cpu/gated_activation.hpp"
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/rms_norm.hpp"
#include "backend/cpu/rope.hpp"
#include "model/eval_scratch.hpp"
#include "model/kv_cache.hpp"
#include "model/layer_weights.hpp"
#include "model/model_config.hpp"

#include <cmath>

namespace hoard::model {

using namespace backend::cpu;

void normalize_rows(const BlockContext& ctx, const float* weight) {
    const size_t n_embd = ctx.config.n_embd;
    for (size_t t = 0; t < ctx.n_tokens; ++t)
        rms_norm(ctx.scratch.x.data() + t * n_embd, weight, ctx.scratch.xn.data() + t * n_embd,
                 n_embd, ctx.config.rms_eps);
}

void attention_block(const BlockContext& ctx, const LayerWeights& w) {
    const ModelConfig& c = ctx.config;
    EvalScratch& s = ctx.scratch;
    const size_t n = ctx.n_tokens;

    normalize_rows(ctx, w.attn_norm);
    s.input.reset(s.xn.data(), c.n_embd, n, c.n_embd);
    // Keys and values go straight into the cache rows of their positions.
    float* keys = ctx.cache.keys(ctx.layer, ctx.first_position);
    float* values = ctx.cache.values(ctx.layer, ctx.first_position);
    matmul(ctx.pool, w.wq, s.input, s.q.data(), c.q_width());
    matmul(ctx.pool, w.wk, s.input, keys, c.k_width());
    matmul(ctx.pool, w.wv, s.input, values, c.v_width());

    if (w.q_norm != nullptr)
        rms_norm_rows(s.q.data(), n * c.n_head, c.head_dim, w.q_norm, c.head_dim, c.rms_eps);
    if (w.k_norm != nullptr)
        rms_norm_rows(keys, n * c.n_head_kv, c.head_dim, w.k_norm, c.head_dim, c.rms_eps);
    for (size_t t = 0; t < n; ++t) {
        apply_rope(s.q.data() + t * c.q_width(), c.n_head, c.head_dim, s.rope[t], c.rope_style);
        apply_rope(keys + t * c.k_width(), c.n_head_kv, c.head_dim, s.rope[t], c.rope_style);
    }

    const AttentionShape shape{c.n_head, c.n_head_kv, c.head_dim, c.head_dim_v,
                               1.0f / std::sqrt(float(c.head_dim))};
    attention(ctx.pool, shape, s.q.data(), c.q_width(), n, ctx.first_position,
              ctx.cache.view(ctx.layer), s.attn_out.data(), c.attn_out_width());

    s.input.reset(s.attn_out.data(), c.attn_out_width(), n, c.attn_out_width());
    matmul(ctx.pool, w.wo, s.input, s.proj.data(), c.n_embd);
    for (size_t i = 0; i < n * c.n_embd; ++i) s.x[i] += s.proj[i];
}

void dense_ffn_block(const BlockContext& ctx, const LayerWeights& w) {
    const ModelConfig& c = ctx.config;
    EvalScratch& s = ctx.scratch;
    const size_t n = ctx.n_tokens;

    normalize_rows(ctx, w.ffn_norm);
    s.input.reset(s.xn.data(), c.n_embd, n, c.n_embd);
    matmul(ctx.pool, w.ffn_gate, s.input, s.ffn_gate.data(), c.n_ff);
    matmul(ctx.pool, w.ffn_up, s.input, s.ffn_up.data(), c.n_ff);
    silu_mul(s.ffn_gate.data(), s.ffn_up.data(), s.ffn_gate.data(), n * c.n_ff);

    s.hidden.reset(s.ffn_gate.data(), c.n_ff, n, c.n_ff);
    matmul(ctx.pool, w.ffn_down, s.hidden, s.proj.data(), c.n_embd);
    for (size_t i = 0; i < n * c.n_embd; ++i) s.x[i] += s.proj[i];
}

} // namespace hoard::model
