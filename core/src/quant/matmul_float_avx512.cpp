// AVX-512 kernels for f32, f16 and bf16 weights with float activations:
// four 16-lane accumulators, masked loads for the tail.
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx512.hpp"

namespace hoard::quant::avx512 {
namespace {

using namespace simd;

static inline __m512 load_f32x16(const uint8_t* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
}
static inline __m512 load_f16x16(const uint8_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}
static inline __m512 load_bf16x16(const uint8_t* p, __mmask16 m) {
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

template <size_t kBytes, __m512 (*Load16)(const uint8_t*, __mmask16)>
float dot_float(const uint8_t* w, const uint8_t* act, size_t n) {
    constexpr __mmask16 kAll = 0xffff;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        acc0 = _mm512_fmadd_ps(Load16(w + kBytes * i, kAll), load_f32x16(act + 4 * i, kAll), acc0);
        acc1 = _mm512_fmadd_ps(Load16(w + kBytes * (i + 16), kAll),
                               load_f32x16(act + 4 * (i + 16), kAll), acc1);
        acc2 = _mm512_fmadd_ps(Load16(w + kBytes * (i + 32), kAll),
                               load_f32x16(act + 4 * (i + 32), kAll), acc2);
        acc3 = _mm512_fmadd_ps(Load16(w + kBytes * (i + 48), kAll),
                               load_f32x16(act + 4 * (i + 48), kAll), acc3);
    }
    for (; i + 16 <= n; i += 16)
        acc0 = _mm512_fmadd_ps(Load16(w + kBytes * i, kAll), load_f32x16(act + 4 * i, kAll), acc0);
    if (i < n) {
        const auto tail = static_cast<__mmask16>((1u << (n - i)) - 1u);
        acc1 = _mm512_fmadd_ps(Load16(w + kBytes * i, tail), load_f32x16(act + 4 * i, tail), acc1);
    }
    return _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

constexpr RowDotFn kDotF32 = dot_float<4, load_f32x16>;
constexpr RowDotFn kDotF16 = dot_float<2, load_f16x16>;
constexpr RowDotFn kDotBf16 = dot_float<2, load_bf16x16>;

} // namespace

void matmul_f32(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotF32>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_f16(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotF16>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_bf16(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotBf16>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx512
