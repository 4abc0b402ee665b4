// AVX2 kernels for the 32-value block formats (q4_0, q4_1, q5_0, q5_1, q8_0)
// against Blocks32 activations (int8 codes, a float step and step * sum per
// block). Codes are multiplied as unsigned weight x signed activation bytes;
// the formats' fixed biases (-8, -16) and offsets are applied once per block
// through the activation sums.
#include "quant/block_layout.hpp"
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx2.hpp"

namespace hoard::quant::avx2 {
namespace {

using namespace simd;
namespace L = layout;

// Byte j of the result is 0xff when bit j of `bits` is set.
static inline __m256i spread_bits(uint32_t bits) {
    const __m256i select = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, //
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), select);
    return _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit);
}

// The 32 four-bit codes of a block in value order (low nibbles are values 0-15).
static inline __m256i nibbles32(const uint8_t* qs) {
    const __m128i packed = load128(qs);
    const __m128i low = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low),
                            _mm_and_si128(packed, low));
}

template <int C> struct Blocks32Cols {
    const uint8_t* q[C];     // int8 codes
    const uint8_t* steps[C]; // float per block
    const uint8_t* dsums[C]; // float step * sum of codes per block
    Blocks32Cols(const uint8_t* act, size_t act_stride, size_t n) {
        for (int c = 0; c < C; ++c) {
            q[c] = act + c * act_stride;
            steps[c] = q[c] + L::act32::scales_offset(n);
            dsums[c] = q[c] + L::act32::dsums_offset(n);
        }
    }
};

// Four-bit (kQh == 0) or five-bit codes: per activation, the sum over blocks
// of d * da * (codes . activation codes) plus k * da * sum(a), where k is the
// block's constant term (-bias * d, or the stored offset m).
template <size_t kBytes, size_t kQs, size_t kQh, size_t kM, int kBias> struct SmallCodes {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Blocks32Cols<C> a(act, act_stride, n);
        __m256 acc[C];
        float offsets[C];
        for (int c = 0; c < C; ++c) {
            acc[c] = _mm256_setzero_ps();
            offsets[c] = 0.0f;
        }
        for (size_t b = 0; b < n / 32; ++b) {
            const uint8_t* blk = w + b * kBytes;
            _mm_prefetch(reinterpret_cast<const char*>(blk + kPrefetchDistance), _MM_HINT_T0);
            __m256i codes = nibbles32(blk + kQs);
            if constexpr (kQh != 0) {
                const __m256i high =
                    _mm256_and_si256(spread_bits(L::load_u32(blk + kQh)), _mm256_set1_epi8(0x10));
                codes = _mm256_or_si256(codes, high);
            }
            const float d = f16_at(blk);
            const float constant = kM != 0 ? f16_at(blk + kM) : -static_cast<float>(kBias) * d;
            for (int c = 0; c < C; ++c) {
                const __m256i p = dot_u8s8(codes, load256(a.q[c] + 32 * b));
                const __m256 step = _mm256_set1_ps(d * f32_at(a.steps[c] + 4 * b));
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), step, acc[c]);
                offsets[c] += constant * f32_at(a.dsums[c] + 4 * b);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]) + offsets[c];
    }
};

struct Q80 {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Blocks32Cols<C> a(act, act_stride, n);
        __m256 acc[2][C]; // even and odd blocks, to overlap the FMA latency
        for (int c = 0; c < C; ++c) acc[0][c] = acc[1][c] = _mm256_setzero_ps();
        const size_t nb = n / 32;
        for (size_t b = 0; b < nb; ++b) {
            const uint8_t* blk = w + b * L::q8_0::kBytes;
            _mm_prefetch(reinterpret_cast<const char*>(blk + kPrefetchDistance), _MM_HINT_T0);
            const __m256i wq = load256(blk + L::q8_0::kQs);
            const __m256i magnitude = _mm256_sign_epi8(wq, wq);
            const float d = f16_at(blk);
            for (int c = 0; c < C; ++c) {
                // |w| x (a with w's sign): unsigned x signed bytes for maddubs.
                const __m256i x = _mm256_sign_epi8(load256(a.q[c] + 32 * b), wq);
                const __m256 step = _mm256_set1_ps(d * f32_at(a.steps[c] + 4 * b));
                acc[b & 1][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_u8s8(magnitude, x)), step,
                                                acc[b & 1][c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(_mm256_add_ps(acc[0][c], acc[1][c]));
    }
};

using Q40 = SmallCodes<L::q4_0::kBytes, L::q4_0::kQs, 0, 0, 8>;
using Q41 = SmallCodes<L::q4_1::kBytes, L::q4_1::kQs, 0, L::q4_1::kM, 0>;
using Q50 = SmallCodes<L::q5_0::kBytes, L::q5_0::kQs, L::q5_0::kQh, 0, 16>;
using Q51 = SmallCodes<L::q5_1::kBytes, L::q5_1::kQs, L::q5_1::kQh, L::q5_1::kM, 0>;

} // namespace

void matmul_q4_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q40>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q4_1(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q41>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q5_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q50>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q5_1(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q51>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q8_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q80>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx2
