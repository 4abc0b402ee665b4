#pragma once
// What distinguishes one model family from another, keyed by the GGUF
// "general.architecture" value. The forward pass itself is shared; a family
// contributes its hyperparameter quirks and the names of its weights.
//
// Adding a family: write core/src/model/arch/<family>.cpp defining
// `const Architecture& <family>_architecture()`, and add it to the list in
// architecture.cpp (the one line a static library needs: self-registering
// objects in an archive are dropped by the linker when nothing refers to them).
#include "model/layer_weights.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::model {

struct ModelConfig;
class TensorLookup;

struct Architecture {
    std::string_view name; // as in general.architecture
    // Adjusts `config` (already holding the common keys) for this family:
    // RoPE style, Q/K norms, expert gating, family-specific keys.
    void (*configure)(const gguf::GgufFile& file, ModelConfig& config);
    // Finds block `layer`'s weights (with the helpers of layer_weights.hpp).
    LayerWeights (*load_layer)(TensorLookup& tensors, const ModelConfig& config, size_t layer);
};

// nullptr when the family is unknown.
const Architecture* find_architecture(std::string_view name);
std::vector<std::string_view> supported_architectures();

// The families, one file each under arch/.
const Architecture& llama_architecture();
const Architecture& qwen3moe_architecture();

} // namespace hoard::model
