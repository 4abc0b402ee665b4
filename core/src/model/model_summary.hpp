#pragma once
// What `hoard info` shows about a model: its shape, parameter counts, how the
// bytes divide between always-used weights and routed experts, the
// quantization mix, and the memory a given context needs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::model {

class Model;

struct FormatUsage {
    std::string format; // "q4_K", "f16", …
    size_t tensors = 0;
    uint64_t parameters = 0;
    uint64_t bytes = 0;
};

struct ModelSummary {
    std::string architecture;
    std::string name;
    size_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
    size_t n_expert = 0, n_expert_used = 0, n_ff_expert = 0, n_vocab = 0, n_ctx_train = 0;

    uint64_t parameters_total = 0;
    uint64_t parameters_active = 0; // used for one token: shared weights + k of n experts
    uint64_t parameters_expert = 0; // in routed experts
    uint64_t bytes_non_expert = 0;
    uint64_t bytes_expert = 0;
    std::vector<FormatUsage> formats; // most bytes first

    size_t n_ctx = 0;
    uint64_t kv_cache_bytes = 0;
    uint64_t memory_bytes = 0; // all weights plus the KV cache at n_ctx
};

// True for the weights of routed experts ("blk.N.ffn_up_exps.weight",
// "blk.N.ffn_up.E.weight"), which run only for the tokens routed to them.
bool is_routed_expert_tensor(std::string_view name);

ModelSummary summarize(const Model& model, size_t n_ctx);

// A few lines of plain text for a terminal.
std::string describe(const ModelSummary& summary);

} // namespace hoard::model
