// AVX2 + FMA + F16C kernels for f32, f16 and bf16 weights with float
// activations. Each group of 8 weights is widened once and used for up to
// four activations; independent accumulators hide the FMA latency.
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx2.hpp"

namespace hoard::quant::avx2 {
namespace {

using namespace simd;

struct F32Weights {
    static constexpr size_t kBytes = 4;
    static __m256 load8(const uint8_t* p) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    }
    static float load1(const uint8_t* p) { return f32_at(p); }
};

struct F16Weights {
    static constexpr size_t kBytes = 2;
    static __m256 load8(const uint8_t* p) { return _mm256_cvtph_ps(load128(p)); }
    static float load1(const uint8_t* p) { return f16_at(p); }
};

struct Bf16Weights {
    static constexpr size_t kBytes = 2;
    static __m256 load8(const uint8_t* p) {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load128(p)), 16));
    }
    static float load1(const uint8_t* p) {
        uint16_t h;
        std::memcpy(&h, p, sizeof h);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        float v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
};

static inline __m256 act8(const uint8_t* x, size_t i) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(x) + i);
}

template <class W> struct FloatKernel {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        constexpr int kUnroll = C == 1 ? 4 : 2; // accumulators per activation
        constexpr size_t kStep = 8 * kUnroll;
        __m256 acc[kUnroll][C];
        for (int u = 0; u < kUnroll; ++u)
            for (int c = 0; c < C; ++c) acc[u][c] = _mm256_setzero_ps();
        size_t i = 0;
        for (; i + kStep <= n; i += kStep) {
            prefetch_block(w + W::kBytes * i, W::kBytes * kStep);
            for (int u = 0; u < kUnroll; ++u) {
                const __m256 wv = W::load8(w + W::kBytes * (i + 8 * u));
                for (int c = 0; c < C; ++c)
                    acc[u][c] =
                        _mm256_fmadd_ps(wv, act8(act + c * act_stride, i + 8 * u), acc[u][c]);
            }
        }
        for (; i + 8 <= n; i += 8) {
            const __m256 wv = W::load8(w + W::kBytes * i);
            for (int c = 0; c < C; ++c)
                acc[0][c] = _mm256_fmadd_ps(wv, act8(act + c * act_stride, i), acc[0][c]);
        }
        for (int c = 0; c < C; ++c) {
            __m256 total = acc[0][c];
            for (int u = 1; u < kUnroll; ++u) total = _mm256_add_ps(total, acc[u][c]);
            float sum = hsum(total);
            for (size_t k = i; k < n; ++k)
                sum += W::load1(w + W::kBytes * k) * f32_at(act + c * act_stride + 4 * k);
            out[c] = sum;
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

} // namespace hoard::quant::avx2
