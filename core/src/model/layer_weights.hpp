#pragma once
// The weights of one transformer block, as views into the model file. Each
// architecture file fills these from its own tensor names; the shared block
// code (transformer_block, moe_block) only reads them.
#include "backend/cpu/matmul.hpp"
#include "model/expert_source.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hoard::model {

class TensorLookup;
struct ModelConfig;

struct LayerWeights {
    const float* attn_norm = nullptr;
    backend::cpu::MatrixView wq, wk, wv, wo;
    const float* q_norm = nullptr; // per-head RMS norm weights (config.qk_norm)
    const float* k_norm = nullptr;

    const float* ffn_norm = nullptr;
    // Dense feed-forward (config.n_expert == 0).
    backend::cpu::MatrixView ffn_gate, ffn_up, ffn_down;
    // Mixture of experts: router rows are experts; experts as stored in the file.
    backend::cpu::MatrixView router;
    std::vector<ExpertMatrices> experts;
};

// Building blocks for architecture files, using the llama.cpp GGUF names
// ("blk.N.attn_q.weight", …).
std::string block_tensor(size_t layer, const char* name); // "blk.N.<name>.weight"

// attn_norm, attn_{q,k,v,output}; with config.qk_norm also attn_{q,k}_norm.
void load_attention(TensorLookup& tensors, const ModelConfig& config, size_t layer,
                    LayerWeights& w);
// ffn_norm and ffn_{gate,up,down}.
void load_dense_ffn(TensorLookup& tensors, const ModelConfig& config, size_t layer,
                    LayerWeights& w);
// ffn_norm, the router ffn_gate_inp and the experts, merged
// (ffn_{gate,up,down}_exps) or one tensor each (ffn_{gate,up,down}.E).
void load_moe_ffn(TensorLookup& tensors, const ModelConfig& config, size_t layer, LayerWeights& w);

} // namespace hoard::model
