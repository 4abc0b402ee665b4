#include "model/model_config.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"

#include <cmath>

namespace hoard::model {
namespace {

// Generous upper bounds that keep every product of sizes far from overflow;
// the exact values are then checked against the tensors' shapes.
constexpr uint64_t kMaxLayers = 4096;
constexpr uint64_t kMaxWidth = uint64_t(1) << 20;
constexpr uint64_t kMaxExperts = 65536;

size_t read_count(const gguf::GgufFile& file, const std::string& key, uint64_t fallback,
                  uint64_t max) {
    const uint64_t v = file.get_uint(key, fallback);
    if (v > max)
        throw Error(file.label() + ": metadata '" + key + "' is " + std::to_string(v) +
                    ", more than the " + std::to_string(max) + " Hoard supports");
    return size_t(v);
}

size_t read_count(const gguf::GgufFile& file, const std::string& key, uint64_t max) {
    return read_count(file, key, file.get_uint(key), max);
}

[[noreturn]] void bad(const std::string& label, const std::string& what) {
    throw Error(label + ": unusable model hyperparameters: " + what);
}

} // namespace

ModelConfig read_common_config(const gguf::GgufFile& file) {
    ModelConfig c;
    c.architecture = file.get_string("general.architecture");
    c.name = file.get_string("general.name", "");
    const std::string p = c.architecture + ".";

    c.n_layer = read_count(file, p + "block_count", kMaxLayers);
    c.n_embd = read_count(file, p + "embedding_length", kMaxWidth);
    c.n_head = read_count(file, p + "attention.head_count", kMaxWidth);
    c.n_head_kv = read_count(file, p + "attention.head_count_kv", c.n_head, kMaxWidth);
    if (c.n_head == 0) bad(file.label(), "attention.head_count is 0");
    c.head_dim = read_count(file, p + "attention.key_length", c.n_embd / c.n_head, kMaxWidth);
    c.head_dim_v = read_count(file, p + "attention.value_length", c.head_dim, kMaxWidth);
    c.n_rot = read_count(file, p + "rope.dimension_count", c.head_dim, kMaxWidth);
    c.n_ff = read_count(file, p + "feed_forward_length", 0, kMaxWidth);
    c.n_expert = read_count(file, p + "expert_count", 0, kMaxExperts);
    c.n_expert_used = read_count(file, p + "expert_used_count", 0, kMaxExperts);
    c.n_ff_expert = read_count(file, p + "expert_feed_forward_length", c.n_ff, kMaxWidth);
    c.n_ctx_train = size_t(file.get_uint(p + "context_length", 0));

    c.rope_base = float(file.get_float(p + "rope.freq_base", 10000.0));
    c.rms_eps = float(file.get_float(p + "attention.layer_norm_rms_epsilon", 1e-5));
    return c;
}

void validate_config(const ModelConfig& c, const std::string& label) {
    if (c.n_layer == 0) bad(label, "block_count is 0");
    if (c.n_embd == 0) bad(label, "embedding_length is 0");
    if (c.n_head_kv == 0 || c.n_head % c.n_head_kv != 0)
        bad(label, std::to_string(c.n_head) + " attention heads cannot share " +
                       std::to_string(c.n_head_kv) + " KV heads evenly");
    if (c.head_dim == 0 || c.head_dim_v == 0) bad(label, "attention head width is 0");
    if (c.n_rot > c.head_dim || c.n_rot % 2 != 0)
        bad(label, "rope.dimension_count " + std::to_string(c.n_rot) +
                       " must be even and at most the head width " + std::to_string(c.head_dim));
    if (!(c.rope_base > 0.0f) || !std::isfinite(c.rope_base))
        bad(label, "rope.freq_base must be a positive number");
    if (!(c.rms_eps > 0.0f) || !std::isfinite(c.rms_eps))
        bad(label, "layer_norm_rms_epsilon must be a positive number");
    if (c.n_expert > 0) {
        if (c.n_expert_used == 0 || c.n_expert_used > c.n_expert)
            bad(label, "expert_used_count " + std::to_string(c.n_expert_used) +
                           " must be between 1 and expert_count " + std::to_string(c.n_expert));
        if (c.n_ff_expert == 0) bad(label, "expert feed-forward width is 0");
    } else if (c.n_ff == 0) {
        bad(label, "feed_forward_length is 0");
    }
}

} // namespace hoard::model
