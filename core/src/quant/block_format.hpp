#pragma once
// Tensor element formats as numbered in GGUF files (the ggml type ids), with
// the block geometry each one stores: `block_elems` values in `block_bytes`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hoard::quant {

enum class BlockFormat : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    BF16 = 30,
};

struct FormatInfo {
    BlockFormat format;
    std::string_view name; // as users know it: "q4_K", "f16", ...
    uint32_t block_elems;
    uint32_t block_bytes;
    bool computable; // has dequantization and dot-product kernels
};

// Geometry of a format id read from a file; nullopt for ids Hoard does not know.
std::optional<FormatInfo> find_format(uint32_t ggml_type_id);
const FormatInfo& format_info(BlockFormat format);

inline std::string_view format_name(BlockFormat f) { return format_info(f).name; }

// Bytes taken by `n` consecutive values; n must be a multiple of block_elems.
inline size_t row_bytes(BlockFormat f, size_t n) {
    const FormatInfo& info = format_info(f);
    return n / info.block_elems * info.block_bytes;
}

// Average bits per weight, for sizes shown to users.
inline double bits_per_weight(BlockFormat f) {
    const FormatInfo& info = format_info(f);
    return 8.0 * info.block_bytes / info.block_elems;
}

} // namespace hoard::quant
