// AVX2 + FMA + F16C kernels for f32, f16 and bf16 weights with float
// activations: four independent 8-lane accumulators hide the FMA latency.
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx2.hpp"

namespace hoard::quant::avx2 {
namespace {

using namespace simd;

static inline __m256 load_f16x8(const uint8_t* p) {
    return _mm256_cvtph_ps(load128(p));
}

static inline __m256 load_bf16x8(const uint8_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load128(p)), 16));
}

static inline __m256 load_f32x8(const uint8_t* p) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
}

static inline float bf16_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

// Weight element type: how many bytes one value takes and how to widen 8 of them.
template <size_t kBytes, __m256 (*Load8)(const uint8_t*), float (*LoadOne)(const uint8_t*)>
float dot_float(const uint8_t* w, const uint8_t* act, size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(Load8(w + kBytes * i), load_f32x8(act + 4 * i), acc0);
        acc1 = _mm256_fmadd_ps(Load8(w + kBytes * (i + 8)), load_f32x8(act + 4 * (i + 8)), acc1);
        acc2 = _mm256_fmadd_ps(Load8(w + kBytes * (i + 16)), load_f32x8(act + 4 * (i + 16)), acc2);
        acc3 = _mm256_fmadd_ps(Load8(w + kBytes * (i + 24)), load_f32x8(act + 4 * (i + 24)), acc3);
    }
    for (; i + 8 <= n; i += 8)
        acc0 = _mm256_fmadd_ps(Load8(w + kBytes * i), load_f32x8(act + 4 * i), acc0);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) sum += LoadOne(w + kBytes * i) * f32_at(act + 4 * i);
    return sum;
}

constexpr RowDotFn kDotF32 = dot_float<4, load_f32x8, f32_at>;
constexpr RowDotFn kDotF16 = dot_float<2, load_f16x8, f16_at>;
constexpr RowDotFn kDotBf16 = dot_float<2, load_bf16x8, bf16_at>;

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

} // namespace hoard::quant::avx2
