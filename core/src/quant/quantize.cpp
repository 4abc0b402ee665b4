// Reference quantizers: per block, search group steps (and offsets) by least
// squares, quantize the group scales against the block's f16 super-scales,
// then round every value with the scales exactly as they will be stored.
#include "quant/block_codec.hpp"
#include "quant/block_layout.hpp"
#include "quant/format_checks.hpp"
#include "quant/kernels.hpp"
#include "quant/scale_search.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hoard::quant {
namespace {

float round_to_f16(float v) {
    return fp16_to_fp32(fp32_to_fp16(v));
}

// One group, one step: q4_0, q5_0, q8_0.
void quantize_symmetric_block(const float* x, const BlockRanges& r, UnpackedBlock& b) {
    b.d = round_to_f16(search_symmetric_scale(x, r.group_size, r.q_lo, r.q_hi));
    b.dmin = 0.0f;
    b.scale[0] = 1;
    b.min[0] = 0;
    const float inv = b.d != 0.0f ? 1.0f / b.d : 0.0f;
    for (uint32_t i = 0; i < r.group_size; ++i)
        b.q[i] = static_cast<int8_t>(nearest_code(x[i], inv, r.q_lo, r.q_hi));
}

// One group, step and free offset: q4_1, q5_1.
void quantize_affine_block(const float* x, const BlockRanges& r, UnpackedBlock& b) {
    const AffineFit fit = search_affine_scale(x, r.group_size, r.q_hi, false);
    b.d = round_to_f16(fit.d);
    b.dmin = round_to_f16(fit.offset);
    b.scale[0] = 1;
    b.min[0] = -1;
    const float inv = b.d != 0.0f ? 1.0f / b.d : 0.0f;
    for (uint32_t i = 0; i < r.group_size; ++i)
        b.q[i] = static_cast<int8_t>(nearest_code(x[i] - b.dmin, inv, 0, r.q_hi));
}

// Quantizes non-negative per-group values v[g] to integers in [0, hi] with one
// f16 step; returns the step.
float quantize_group_magnitudes(const float* v, uint32_t n_groups, int hi, int16_t* out) {
    float peak = 0.0f;
    for (uint32_t g = 0; g < n_groups; ++g) peak = std::max(peak, v[g]);
    const float step = round_to_f16(peak / static_cast<float>(hi));
    const float inv = step > 0.0f ? 1.0f / step : 0.0f;
    for (uint32_t g = 0; g < n_groups; ++g)
        out[g] = static_cast<int16_t>(nearest_code(v[g], inv, 0, hi));
    return step;
}

// Groups with steps and non-negative minimums: q2_k, q4_k, q5_k.
void quantize_kquant_with_mins(const float* x, const BlockRanges& r, UnpackedBlock& b) {
    const uint32_t n_groups = 256 / r.group_size;
    float steps[16], mins[16];
    for (uint32_t g = 0; g < n_groups; ++g) {
        const AffineFit fit = search_affine_scale(x + g * r.group_size, r.group_size, r.q_hi, true);
        steps[g] = fit.d;
        mins[g] = -fit.offset;
    }
    b.d = quantize_group_magnitudes(steps, n_groups, r.scale_hi, b.scale);
    b.dmin = quantize_group_magnitudes(mins, n_groups, r.min_hi, b.min);
    for (uint32_t g = 0; g < n_groups; ++g) {
        const float step = b.d * static_cast<float>(b.scale[g]);
        const float offset = b.dmin * static_cast<float>(b.min[g]);
        const float inv = step > 0.0f ? 1.0f / step : 0.0f;
        for (uint32_t i = g * r.group_size; i < (g + 1) * r.group_size; ++i)
            b.q[i] = static_cast<int8_t>(nearest_code(x[i] + offset, inv, 0, r.q_hi));
    }
}

// Groups with signed steps and no offsets: q3_k, q6_k.
void quantize_kquant_symmetric(const float* x, const BlockRanges& r, UnpackedBlock& b) {
    const uint32_t n_groups = 256 / r.group_size;
    float steps[16];
    for (uint32_t g = 0; g < n_groups; ++g)
        steps[g] = search_symmetric_scale(x + g * r.group_size, r.group_size, r.q_lo, r.q_hi);
    b.d = round_to_f16(search_symmetric_scale(steps, n_groups, r.scale_lo, r.scale_hi));
    b.dmin = 0.0f;
    const float inv_d = b.d != 0.0f ? 1.0f / b.d : 0.0f;
    for (uint32_t g = 0; g < n_groups; ++g) {
        b.scale[g] = static_cast<int16_t>(nearest_code(steps[g], inv_d, r.scale_lo, r.scale_hi));
        b.min[g] = 0;
        const float step = b.d * static_cast<float>(b.scale[g]);
        const float inv = step != 0.0f ? 1.0f / step : 0.0f;
        for (uint32_t i = g * r.group_size; i < (g + 1) * r.group_size; ++i)
            b.q[i] = static_cast<int8_t>(nearest_code(x[i], inv, r.q_lo, r.q_hi));
    }
}

void quantize_block(BlockFormat format, const float* x, const BlockRanges& r, UnpackedBlock& b) {
    switch (format) {
    case BlockFormat::Q4_0:
    case BlockFormat::Q5_0:
    case BlockFormat::Q8_0:
        quantize_symmetric_block(x, r, b);
        break;
    case BlockFormat::Q4_1:
    case BlockFormat::Q5_1:
        quantize_affine_block(x, r, b);
        break;
    case BlockFormat::Q2_K:
    case BlockFormat::Q4_K:
    case BlockFormat::Q5_K:
        quantize_kquant_with_mins(x, r, b);
        break;
    default:
        quantize_kquant_symmetric(x, r, b);
        break;
    }
}

} // namespace

void quantize_row(BlockFormat format, const float* src, void* dst, size_t n) {
    check_computable(format, "quantize");
    check_row_length(format, n);
    auto* out = static_cast<uint8_t*>(dst);
    switch (format) {
    case BlockFormat::F32:
        std::memcpy(out, src, n * sizeof(float));
        return;
    case BlockFormat::F16:
        for (size_t i = 0; i < n; ++i) layout::store_u16(out + 2 * i, fp32_to_fp16(src[i]));
        return;
    case BlockFormat::BF16:
        for (size_t i = 0; i < n; ++i) layout::store_u16(out + 2 * i, fp32_to_bf16(src[i]));
        return;
    default:
        break;
    }
    const FormatInfo& info = format_info(format);
    const BlockRanges& ranges = *block_ranges(format);
    const BlockPacker pack = block_packer(format);
    UnpackedBlock block;
    block.n_values = info.block_elems;
    block.group_size = ranges.group_size;
    block.n_groups = info.block_elems / ranges.group_size;
    for (size_t start = 0; start < n; start += info.block_elems) {
        quantize_block(format, src + start, ranges, block);
        pack(block, out);
        out += info.block_bytes;
    }
}

} // namespace hoard::quant
