#include "quant/block_format.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace hoard::quant {
namespace {

constexpr std::array kFormats = {
    FormatInfo{BlockFormat::F32, "f32", 1, 4, true},
    FormatInfo{BlockFormat::F16, "f16", 1, 2, true},
    FormatInfo{BlockFormat::Q4_0, "q4_0", 32, 18, true},
    FormatInfo{BlockFormat::Q4_1, "q4_1", 32, 20, true},
    FormatInfo{BlockFormat::Q5_0, "q5_0", 32, 22, true},
    FormatInfo{BlockFormat::Q5_1, "q5_1", 32, 24, true},
    FormatInfo{BlockFormat::Q8_0, "q8_0", 32, 34, true},
    FormatInfo{BlockFormat::Q8_1, "q8_1", 32, 36, false},
    FormatInfo{BlockFormat::Q2_K, "q2_K", 256, 84, true},
    FormatInfo{BlockFormat::Q3_K, "q3_K", 256, 110, true},
    FormatInfo{BlockFormat::Q4_K, "q4_K", 256, 144, true},
    FormatInfo{BlockFormat::Q5_K, "q5_K", 256, 176, true},
    FormatInfo{BlockFormat::Q6_K, "q6_K", 256, 210, true},
    FormatInfo{BlockFormat::Q8_K, "q8_K", 256, 292, false},
    FormatInfo{BlockFormat::I8, "i8", 1, 1, false},
    FormatInfo{BlockFormat::I16, "i16", 1, 2, false},
    FormatInfo{BlockFormat::I32, "i32", 1, 4, false},
    FormatInfo{BlockFormat::I64, "i64", 1, 8, false},
    FormatInfo{BlockFormat::F64, "f64", 1, 8, false},
    FormatInfo{BlockFormat::BF16, "bf16", 1, 2, true},
};

} // namespace

std::optional<FormatInfo> find_format(uint32_t ggml_type_id) {
    for (const FormatInfo& info : kFormats)
        if (static_cast<uint32_t>(info.format) == ggml_type_id) return info;
    return std::nullopt;
}

const FormatInfo& format_info(BlockFormat format) {
    for (const FormatInfo& info : kFormats)
        if (info.format == format) return info;
    throw std::invalid_argument("unknown block format " +
                                std::to_string(static_cast<uint32_t>(format)));
}

} // namespace hoard::quant
