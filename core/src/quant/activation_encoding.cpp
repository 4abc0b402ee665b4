// Activations are encoded once per matrix product: float for f32/f16/bf16
// weights, int8 with float scales for quantized weights (layouts in
// block_layout.hpp). Encoding is scalar and shared by every ISA, so all
// kernel implementations see bit-identical inputs.
#include "quant/block_layout.hpp"
#include "quant/format_checks.hpp"
#include "quant/kernels.hpp"
#include "quant/scale_search.hpp"

#include <cmath>
#include <cstring>

namespace hoard::quant {
namespace {

enum class ActivationKind { Float, Blocks32, Super256 };

ActivationKind activation_kind(BlockFormat format) {
    switch (format) {
    case BlockFormat::F32:
    case BlockFormat::F16:
    case BlockFormat::BF16:
        return ActivationKind::Float;
    case BlockFormat::Q4_0:
    case BlockFormat::Q4_1:
    case BlockFormat::Q5_0:
    case BlockFormat::Q5_1:
    case BlockFormat::Q8_0:
        return ActivationKind::Blocks32;
    default:
        return ActivationKind::Super256;
    }
}

// Symmetric int8 codes for `count` values with step amax / 127; returns the step.
float encode_int8(const float* x, size_t count, int8_t* q) {
    float amax = 0.0f;
    for (size_t i = 0; i < count; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    if (!(amax > 0.0f) || !std::isfinite(amax)) {
        std::memset(q, 0, count);
        return 0.0f;
    }
    const float inv = 127.0f / amax;
    for (size_t i = 0; i < count; ++i) {
        const float v = std::fmax(-127.0f, std::fmin(127.0f, x[i] * inv));
        q[i] = static_cast<int8_t>(round_small(v));
    }
    return amax / 127.0f;
}

void encode_blocks32(const float* x, size_t n, uint8_t* act) {
    auto* q = reinterpret_cast<int8_t*>(act);
    for (size_t b = 0; b < n / 32; ++b) {
        const float d = encode_int8(x + 32 * b, 32, q + 32 * b);
        int sum = 0;
        for (size_t i = 0; i < 32; ++i) sum += q[32 * b + i];
        layout::store_f32(act + layout::act32::scales_offset(n) + 4 * b, d);
        layout::store_f32(act + layout::act32::dsums_offset(n) + 4 * b,
                          d * static_cast<float>(sum));
    }
}

void encode_super256(const float* x, size_t n, uint8_t* act) {
    auto* q = reinterpret_cast<int8_t*>(act);
    for (size_t b = 0; b < n / 256; ++b) {
        const float d = encode_int8(x + 256 * b, 256, q + 256 * b);
        layout::store_f32(act + layout::act256::scales_offset(n) + 4 * b, d);
    }
    for (size_t g = 0; g < n / 16; ++g) {
        int sum = 0;
        for (size_t i = 0; i < 16; ++i) sum += q[16 * g + i];
        layout::store_i16(act + layout::act256::sums_offset(n) + 2 * g, static_cast<int16_t>(sum));
    }
}

} // namespace

size_t activation_bytes(BlockFormat weight_format, size_t n) {
    check_computable(weight_format, "encode activations for");
    switch (activation_kind(weight_format)) {
    case ActivationKind::Float:
        return n * sizeof(float);
    case ActivationKind::Blocks32:
        return layout::act32::bytes(n);
    case ActivationKind::Super256:
        return layout::act256::bytes(n);
    }
    return 0;
}

void encode_activation(BlockFormat weight_format, const float* x, size_t n, void* act) {
    check_computable(weight_format, "encode activations for");
    check_row_length(weight_format, n);
    auto* out = static_cast<uint8_t*>(act);
    switch (activation_kind(weight_format)) {
    case ActivationKind::Float:
        std::memcpy(out, x, n * sizeof(float));
        return;
    case ActivationKind::Blocks32:
        encode_blocks32(x, n, out);
        return;
    case ActivationKind::Super256:
        encode_super256(x, n, out);
        return;
    }
}

} // namespace hoard::quant
