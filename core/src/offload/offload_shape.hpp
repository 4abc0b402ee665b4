#pragma once
// What the offload planner and trace replay need to know about a model: how
// many experts there are and how many bytes each takes at high precision
// (the file's own format) and at low precision (Hoard's low-bit copy), plus
// the bytes every token needs on the device whatever the experts do.
#include "quant/block_format.hpp"
#include "telemetry/events.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::offload {

using telemetry::Precision;

struct OffloadShape {
    std::string name; // preset name or model file
    uint32_t n_layer = 0;
    uint32_t n_expert = 0;      // routed experts per layer
    uint32_t n_expert_used = 0; // selected per token (top-k)
    uint32_t n_embd = 0;
    uint32_t n_ff_expert = 0;
    uint32_t n_vocab = 0;

    std::string high_format; // the experts' formats in the file, e.g. "q4_K+q6_K"
    std::string low_format;  // the low-precision copy's format, e.g. "q2_K"
    // Per layer: one expert (gate, up and down matrices together), in bytes.
    std::vector<uint64_t> expert_bytes_high;
    std::vector<uint64_t> expert_bytes_low;

    uint64_t non_expert_bytes = 0;      // every weight outside the routed experts
    uint64_t token_embedding_bytes = 0; // of which the embedding table (one row read per token)
    uint64_t kv_bytes_per_token = 0;    // KV cache, all layers, one position

    uint64_t expert_bytes(uint32_t layer, Precision p) const {
        return p == Precision::High ? expert_bytes_high[layer] : expert_bytes_low[layer];
    }
    uint64_t max_expert_bytes(Precision p) const;
    uint64_t total_expert_bytes(Precision p) const; // all experts of all layers
    // Non-expert bytes one decode step reads (the embedding table counts one row).
    uint64_t non_expert_bytes_per_token() const;
};

// The low-precision format Hoard picks for experts stored at `bits_per_weight`:
// a 2- or 3-bit K-quant for 4–6-bit files, a 4-bit K-quant for 8- and 16-bit ones.
quant::BlockFormat default_low_format(double bits_per_weight);

// Bytes of `rows` rows of `row_length` values in `format`, a partial last block
// counted whole (for sizing a copy that is not made yet).
uint64_t matrix_bytes(quant::BlockFormat format, uint64_t rows, uint64_t row_length);

// From a model file: expert sizes from the blk.N.ffn_{gate,up,down}_exps
// tensors (or per-expert blk.N.ffn_up.E tensors). Throws hoard::Error for a
// model without routed experts.
OffloadShape shape_from_gguf(const gguf::GgufFile& file,
                             std::optional<quant::BlockFormat> low_format = {});

// Full-size models by name, sized from their architecture and quantization mix:
// "mixtral-8x7b" (Q4_K_M), "qwen3-30b-a3b" (Q4_K_M). Throws listing the names.
OffloadShape shape_preset(const std::string& name,
                          std::optional<quant::BlockFormat> low_format = {});
std::vector<std::string> shape_preset_names();

nlohmann::json shape_to_json(const OffloadShape& shape);
// Throws hoard::Error naming `label` and the bad field.
OffloadShape shape_from_json(const nlohmann::json& json, const std::string& label);

} // namespace hoard::offload
