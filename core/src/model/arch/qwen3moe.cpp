// Qwen3-MoE: RMS norms over each Q and K head before RoPE, NeoX-style RoPE,
// a head width (attention.key_length) independent of n_embd / n_head, and many
// small experts, softmax-routed with the top-k weights renormalized.
#include "model/architecture.hpp"
#include "model/model_config.hpp"

namespace hoard::model {
namespace {

void configure(const gguf::GgufFile&, ModelConfig& c) {
    c.rope_style = backend::cpu::RopeStyle::NeoX;
    c.qk_norm = true;
    c.gating = ExpertGating::SoftmaxTopK;
    c.normalize_expert_weights = true;
}

LayerWeights load_layer(TensorLookup& tensors, const ModelConfig& c, size_t layer) {
    LayerWeights w;
    load_attention(tensors, c, layer, w);
    if (c.is_moe())
        load_moe_ffn(tensors, c, layer, w);
    else
        load_dense_ffn(tensors, c, layer, w); // dense Qwen3 checkpoints converted under this name
    return w;
}

} // namespace

const Architecture& qwen3moe_architecture() {
    static const Architecture arch{"qwen3moe", &configure, &load_layer};
    return arch;
}

} // namespace hoard::model
