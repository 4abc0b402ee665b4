// Llama and Mixtral ("llama" with expert_count > 0): interleaved RoPE, a
// SwiGLU feed-forward or a softmax-routed mixture of SwiGLU experts whose
// top-k weights are renormalized to sum to one.
#include "model/architecture.hpp"
#include "model/model_config.hpp"

namespace hoard::model {
namespace {

void configure(const gguf::GgufFile&, ModelConfig& c) {
    c.rope_style = backend::cpu::RopeStyle::Interleaved;
    c.qk_norm = false;
    c.gating = ExpertGating::SoftmaxTopK;
    c.normalize_expert_weights = true;
}

LayerWeights load_layer(TensorLookup& tensors, const ModelConfig& c, size_t layer) {
    LayerWeights w;
    load_attention(tensors, c, layer, w);
    if (c.is_moe())
        load_moe_ffn(tensors, c, layer, w);
    else
        load_dense_ffn(tensors, c, layer, w);
    return w;
}

} // namespace

const Architecture& llama_architecture() {
    static const Architecture arch{"llama", &configure, &load_layer};
    return arch;
}

} // namespace hoard::model
