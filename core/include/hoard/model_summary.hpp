#pragma once
// What Hoard tells a user about a model before and after loading it: shape,
// parameter counts, how the bytes divide between always-used weights and
// routed experts, the quantization mix, and the memory a context needs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hoard {

struct FormatUsage {
    std::string format; // "q4_K", "f16", ...
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
    uint64_t bytes_token_embedding = 0; // part of bytes_non_expert; one row is read per token
    uint64_t file_bytes = 0;
    std::vector<FormatUsage> formats; // most bytes first
    size_t n_ctx = 0;
    uint64_t kv_cache_bytes = 0;               // at n_ctx
    uint64_t kv_bytes_per_token_per_layer = 0; // keys and values of one position in one layer
    uint64_t memory_bytes = 0;                 // all weights plus the KV cache at n_ctx
    int32_t bos_token = -1, eos_token = -1;
};

// A few lines of plain text for a terminal.
std::string describe(const ModelSummary& summary);

// A byte count for people: "512 B", "1.50 MiB", "24.00 GiB".
std::string format_bytes(uint64_t bytes);

} // namespace hoard
