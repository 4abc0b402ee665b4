#include "model/layer_weights.hpp"

#include "model/model_config.hpp"
#include "model/tensor_lookup.hpp"

namespace hoard::model {

std::string block_tensor(size_t layer, const char* name) {
    std::string s = "blk.";
    s += std::to_string(layer);
    s += '.';
    s += name;
    s += ".weight";
    return s;
}

void load_attention(TensorLookup& tensors, const ModelConfig& c, size_t layer, LayerWeights& w) {
    w.attn_norm = tensors.vector(block_tensor(layer, "attn_norm"), c.n_embd);
    w.wq = tensors.matrix(block_tensor(layer, "attn_q"), c.n_embd, c.q_width());
    w.wk = tensors.matrix(block_tensor(layer, "attn_k"), c.n_embd, c.k_width());
    w.wv = tensors.matrix(block_tensor(layer, "attn_v"), c.n_embd, c.v_width());
    w.wo = tensors.matrix(block_tensor(layer, "attn_output"), c.attn_out_width(), c.n_embd);
    if (c.qk_norm) {
        w.q_norm = tensors.vector(block_tensor(layer, "attn_q_norm"), c.head_dim);
        w.k_norm = tensors.vector(block_tensor(layer, "attn_k_norm"), c.head_dim);
    }
}

void load_dense_ffn(TensorLookup& tensors, const ModelConfig& c, size_t layer, LayerWeights& w) {
    w.ffn_norm = tensors.vector(block_tensor(layer, "ffn_norm"), c.n_embd);
    w.ffn_gate = tensors.matrix(block_tensor(layer, "ffn_gate"), c.n_embd, c.n_ff);
    w.ffn_up = tensors.matrix(block_tensor(layer, "ffn_up"), c.n_embd, c.n_ff);
    w.ffn_down = tensors.matrix(block_tensor(layer, "ffn_down"), c.n_ff, c.n_embd);
}

void load_moe_ffn(TensorLookup& tensors, const ModelConfig& c, size_t layer, LayerWeights& w) {
    w.ffn_norm = tensors.vector(block_tensor(layer, "ffn_norm"), c.n_embd);
    w.router = tensors.matrix(block_tensor(layer, "ffn_gate_inp"), c.n_embd, c.n_expert);
    w.experts.assign(c.n_expert, ExpertMatrices{});
    // Merged tensors unless the file has only the older per-expert layout, so
    // a file with neither is reported missing the merged (current) names.
    if (tensors.has(block_tensor(layer, "ffn_gate_exps")) ||
        !tensors.has(block_tensor(layer, "ffn_gate.0"))) {
        const auto gate = tensors.matrix_stack(block_tensor(layer, "ffn_gate_exps"), c.n_embd,
                                               c.n_ff_expert, c.n_expert);
        const auto up = tensors.matrix_stack(block_tensor(layer, "ffn_up_exps"), c.n_embd,
                                             c.n_ff_expert, c.n_expert);
        const auto down = tensors.matrix_stack(block_tensor(layer, "ffn_down_exps"), c.n_ff_expert,
                                               c.n_embd, c.n_expert);
        for (size_t e = 0; e < c.n_expert; ++e) w.experts[e] = {gate[e], up[e], down[e]};
        return;
    }
    // The older layout: one tensor per expert, "blk.N.ffn_gate.E.weight".
    for (size_t e = 0; e < c.n_expert; ++e) {
        auto name = [&](const char* kind) {
            std::string s = kind;
            s += '.';
            s += std::to_string(e);
            return block_tensor(layer, s.c_str());
        };
        w.experts[e].gate = tensors.matrix(name("ffn_gate"), c.n_embd, c.n_ff_expert);
        w.experts[e].up = tensors.matrix(name("ffn_up"), c.n_embd, c.n_ff_expert);
        w.experts[e].down = tensors.matrix(name("ffn_down"), c.n_ff_expert, c.n_embd);
    }
}

} // namespace hoard::model
