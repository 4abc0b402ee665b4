#pragma once
// Hyperparameters of a model, read from GGUF metadata ("{arch}.block_count",
// …) and checked against the tensors before anything is sized from them.
#include "backend/cpu/rope.hpp"

#include <cstddef>
#include <string>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::model {

// How router logits become the weights of the selected experts.
enum class ExpertGating {
    SoftmaxTopK, // softmax over all experts, keep the top k
};

struct ModelConfig {
    std::string architecture; // general.architecture
    std::string name;         // general.name, may be empty

    size_t n_layer = 0;
    size_t n_embd = 0;
    size_t n_head = 0;
    size_t n_head_kv = 0;
    size_t head_dim = 0;   // query/key width per head (attention.key_length)
    size_t head_dim_v = 0; // value width per head (attention.value_length)
    size_t n_ff = 0;       // dense feed-forward width (0 when every layer is MoE)
    size_t n_expert = 0;   // 0 for a dense model
    size_t n_expert_used = 0;
    size_t n_ff_expert = 0;
    size_t n_vocab = 0;
    size_t n_ctx_train = 0;

    size_t n_rot = 0; // rotated dimensions per head (rope.dimension_count)
    float rope_base = 10000.0f;
    backend::cpu::RopeStyle rope_style = backend::cpu::RopeStyle::Interleaved;
    float rms_eps = 1e-5f;

    bool qk_norm = false; // RMS norms over each Q and K head before RoPE
    ExpertGating gating = ExpertGating::SoftmaxTopK;
    bool normalize_expert_weights = true; // rescale the k gate weights to sum to 1

    size_t q_width() const { return n_head * head_dim; }
    size_t k_width() const { return n_head_kv * head_dim; }
    size_t v_width() const { return n_head_kv * head_dim_v; }
    size_t attn_out_width() const { return n_head * head_dim_v; }
    bool is_moe() const { return n_expert > 0; }
};

// Reads the keys every architecture shares, under the "{architecture}." prefix;
// throws hoard::Error naming a missing or impossible value.
ModelConfig read_common_config(const gguf::GgufFile& file);

// Checks the relations between sizes that the forward pass relies on.
void validate_config(const ModelConfig& config, const std::string& label);

} // namespace hoard::model
