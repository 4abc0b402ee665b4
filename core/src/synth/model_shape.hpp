#pragma once
// Shapes of the models Hoard can synthesize: its own small default model and
// full-size replicas of popular MoE models (for speed measurements without
// downloading weights).
#include "synth/synthetic_vocab.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hoard::synth {

struct ModelShape {
    std::string name;         // preset name, e.g. "mixtral-8x7b"
    std::string display_name; // general.name
    std::string architecture; // "llama" or "qwen3moe"
    uint32_t n_layer = 0;
    uint32_t n_embd = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;
    uint32_t head_dim = 0;
    uint32_t n_ff = 0; // dense FFN width (metadata only for MoE models)
    uint32_t n_expert = 0;
    uint32_t n_expert_used = 0;
    uint32_t n_ff_expert = 0;
    uint32_t n_ctx = 0;
    float rope_base = 1e6f;
    float rms_eps = 1e-5f;
    VocabSpec vocab;
};

const std::vector<ModelShape>& model_shapes();
const ModelShape& find_shape(const std::string& name); // throws hoard::Error listing the choices

} // namespace hoard::synth
