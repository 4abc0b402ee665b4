// AVX-512 kernels for f32, f16 and bf16 weights with float activations: each
// group of 16 weights is widened once and used for up to four activations;
// four accumulators per activation; masked loads for the tail.
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx512.hpp"

namespace hoard::quant::avx512 {
namespace {

using namespace simd;

// load16: 16 weights; load16_masked: the first lanes of a tail (masked loads
// cost an extra uop, so full groups use plain loads).
struct F32Weights {
    static constexpr size_t kBytes = 4;
    static __m512 load16(const uint8_t* p) { return _mm512_loadu_ps(p); }
    static __m512 load16_masked(const uint8_t* p, __mmask16 m) {
        return _mm512_maskz_loadu_ps(m, p);
    }
};

struct F16Weights {
    static constexpr size_t kBytes = 2;
    static __m512 load16(const uint8_t* p) { return _mm512_cvtph_ps(load256(p)); }
    static __m512 load16_masked(const uint8_t* p, __mmask16 m) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
    }
};

struct Bf16Weights {
    static constexpr size_t kBytes = 2;
    static __m512 widen(__m256i h) {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    static __m512 load16(const uint8_t* p) { return widen(load256(p)); }
    static __m512 load16_masked(const uint8_t* p, __mmask16 m) {
        return widen(_mm256_maskz_loadu_epi16(m, p));
    }
};

template <class W> struct FloatKernel {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        constexpr int kUnroll = 4;
        constexpr size_t kStep = 16 * kUnroll;
        const auto x = [&](int c, size_t i) {
            return _mm512_loadu_ps(act + c * act_stride + 4 * i);
        };
        const auto x_masked = [&](int c, size_t i, __mmask16 m) {
            return _mm512_maskz_loadu_ps(m, act + c * act_stride + 4 * i);
        };
        __m512 acc[kUnroll][C];
        for (int u = 0; u < kUnroll; ++u)
            for (int c = 0; c < C; ++c) acc[u][c] = _mm512_setzero_ps();
        size_t i = 0;
        for (; i + kStep <= n; i += kStep) {
            prefetch_block(w + W::kBytes * i, W::kBytes * kStep);
            for (int u = 0; u < kUnroll; ++u) {
                const __m512 wv = W::load16(w + W::kBytes * (i + 16 * u));
                for (int c = 0; c < C; ++c)
                    acc[u][c] = _mm512_fmadd_ps(wv, x(c, i + 16 * u), acc[u][c]);
            }
        }
        int u = 0;
        for (; i + 16 <= n; i += 16, u = (u + 1) % kUnroll) {
            const __m512 wv = W::load16(w + W::kBytes * i);
            for (int c = 0; c < C; ++c) acc[u][c] = _mm512_fmadd_ps(wv, x(c, i), acc[u][c]);
        }
        if (i < n) {
            const auto m = static_cast<__mmask16>((1u << (n - i)) - 1u);
            const __m512 wv = W::load16_masked(w + W::kBytes * i, m);
            for (int c = 0; c < C; ++c)
                acc[u][c] = _mm512_fmadd_ps(wv, x_masked(c, i, m), acc[u][c]);
        }
        for (int c = 0; c < C; ++c) {
            const __m512 total = _mm512_add_ps(_mm512_add_ps(acc[0][c], acc[1][c]),
                                               _mm512_add_ps(acc[2][c], acc[3][c]));
            out[c] = _mm512_reduce_add_ps(total);
        }
    }
};

} // namespace

void matmul_f32(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<FloatKernel<F32Weights>>(w, row_stride, n_rows, n, act, act_stride, n_cols,
                                                  out, out_stride);
}

void matmul_f16(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<FloatKernel<F16Weights>>(w, row_stride, n_rows, n, act, act_stride, n_cols,
                                                  out, out_stride);
}

void matmul_bf16(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<FloatKernel<Bf16Weights>>(w, row_stride, n_rows, n, act, act_stride,
                                                   n_cols, out, out_stride);
}

} // namespace hoard::quant::avx512
