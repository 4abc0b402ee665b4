#include "model/eval_scratch.hpp"

#include "model/model_config.hpp"

#include <algorithm>

namespace hoard::model {
namespace {

void grow(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

} // namespace

void EvalScratch::reserve(const ModelConfig& c, size_t n_tokens) {
    if (n_tokens <= batch_capacity) return;
    const size_t n_ff = std::max(c.n_ff, c.n_ff_expert);
    grow(x, n_tokens * c.n_embd);
    grow(xn, n_tokens * c.n_embd);
    grow(q, n_tokens * c.q_width());
    grow(attn_out, n_tokens * c.attn_out_width());
    grow(proj, n_tokens * c.n_embd);
    grow(ffn_gate, n_tokens * n_ff);
    grow(ffn_up, n_tokens * n_ff);
    if (c.is_moe()) {
        grow(router_logits, n_tokens * c.n_expert);
        selected.resize(n_tokens * c.n_expert_used);
        grow(gate_weights, n_tokens * c.n_expert_used);
        expert_count.resize(c.n_expert + 1);
        routed.resize(n_tokens * c.n_expert_used);
        grow(gathered, n_tokens * c.n_embd);
        grow(expert_out, n_tokens * c.n_embd);
    }
    rope.resize(n_tokens);
    batch_capacity = n_tokens;
}

} // namespace hoard::model
