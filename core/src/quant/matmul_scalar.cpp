// Scalar reference kernels: plain loops over the unpacked block form, integer
// sums per block, one float step per block. Every other ISA is tested
// against these.
#include "quant/block_codec.hpp"
#include "quant/block_layout.hpp"
#include "quant/kernels.hpp"
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"

namespace hoard::quant::scalar {
namespace {

using namespace layout;

float dot_f32(const uint8_t* w, const uint8_t* act, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += static_cast<double>(load_f32(w + 4 * i)) * load_f32(act + 4 * i);
    return static_cast<float>(sum);
}

float dot_f16(const uint8_t* w, const uint8_t* act, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += static_cast<double>(fp16_to_fp32(load_u16(w + 2 * i))) * load_f32(act + 4 * i);
    return static_cast<float>(sum);
}

float dot_bf16(const uint8_t* w, const uint8_t* act, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += static_cast<double>(bf16_to_fp32(load_u16(w + 2 * i))) * load_f32(act + 4 * i);
    return static_cast<float>(sum);
}

// Per block: sum over groups of scale * (codes . activation codes) and
// min * (sum of activation codes), then one multiply by the float steps.
// Weight blocks and activation blocks cover the same values (32 or 256).
template <BlockFormat Format> float dot_quantized(const uint8_t* w, const uint8_t* act, size_t n) {
    const FormatInfo& info = format_info(Format);
    const BlockUnpacker unpack = block_unpacker(Format);
    const bool super = info.block_elems == 256;
    const auto* aq = reinterpret_cast<const int8_t*>(act);
    const size_t scales_at = super ? act256::scales_offset(n) : act32::scales_offset(n);
    UnpackedBlock b;
    double total = 0.0;
    for (size_t blk = 0; blk < n / info.block_elems; ++blk) {
        unpack(w + blk * info.block_bytes, b);
        const int8_t* a = aq + blk * info.block_elems;
        int64_t scaled = 0, offsets = 0;
        for (uint32_t g = 0; g < b.n_groups; ++g) {
            int64_t dot = 0, sum = 0;
            for (uint32_t i = g * b.group_size; i < (g + 1) * b.group_size; ++i) {
                dot += static_cast<int64_t>(b.q[i]) * a[i];
                sum += a[i];
            }
            scaled += b.scale[g] * dot;
            offsets += b.min[g] * sum;
        }
        const double da = load_f32(act + scales_at + 4 * blk);
        total += da * (static_cast<double>(b.d) * static_cast<double>(scaled) -
                       static_cast<double>(b.dmin) * static_cast<double>(offsets));
    }
    return static_cast<float>(total);
}

} // namespace

#define HOARD_SCALAR_MATMUL(name, dot)                                                             \
    void name(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,    \
              size_t act_stride, size_t n_cols, float* out, size_t out_stride) {                   \
        matmul_by_rows<dot>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);   \
    }

HOARD_SCALAR_MATMUL(matmul_f32, dot_f32)
HOARD_SCALAR_MATMUL(matmul_f16, dot_f16)
HOARD_SCALAR_MATMUL(matmul_bf16, dot_bf16)
HOARD_SCALAR_MATMUL(matmul_q4_0, dot_quantized<BlockFormat::Q4_0>)
HOARD_SCALAR_MATMUL(matmul_q4_1, dot_quantized<BlockFormat::Q4_1>)
HOARD_SCALAR_MATMUL(matmul_q5_0, dot_quantized<BlockFormat::Q5_0>)
HOARD_SCALAR_MATMUL(matmul_q5_1, dot_quantized<BlockFormat::Q5_1>)
HOARD_SCALAR_MATMUL(matmul_q8_0, dot_quantized<BlockFormat::Q8_0>)
HOARD_SCALAR_MATMUL(matmul_q2_k, dot_quantized<BlockFormat::Q2_K>)
HOARD_SCALAR_MATMUL(matmul_q3_k, dot_quantized<BlockFormat::Q3_K>)
HOARD_SCALAR_MATMUL(matmul_q4_k, dot_quantized<BlockFormat::Q4_K>)
HOARD_SCALAR_MATMUL(matmul_q5_k, dot_quantized<BlockFormat::Q5_K>)
HOARD_SCALAR_MATMUL(matmul_q6_k, dot_quantized<BlockFormat::Q6_K>)

#undef HOARD_SCALAR_MATMUL

} // namespace hoard::quant::scalar
