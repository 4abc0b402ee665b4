// AVX2 kernels for the k-quants (q2_k .. q6_k) against Super256 activations
// (int8 codes, one float step per 256 values, int16 sums per 16). Each
// super-block is reduced in integers: maddubs (unsigned codes x signed
// activations), then madd with the group scales; the codes' biases and the
// group minimums go through the per-16 activation sums. One float multiply
// per super-block and activation. Weight codes and scales are unpacked once
// per block and used for up to four activations (prefill).
#include "quant/block_layout.hpp"
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx2.hpp"

namespace hoard::quant::avx2 {
namespace {

using namespace simd;
namespace L = layout;

// Column c of a group of activations in the Super256 layout.
template <int C> struct Super256Cols {
    const uint8_t* q[C];     // int8 codes
    const uint8_t* sums[C];  // int16 per 16 values
    const uint8_t* steps[C]; // float per 256 values
    Super256Cols(const uint8_t* act, size_t act_stride, size_t n) {
        for (int c = 0; c < C; ++c) {
            q[c] = act + c * act_stride;
            sums[c] = q[c] + L::act256::sums_offset(n);
            steps[c] = q[c] + L::act256::scales_offset(n);
        }
    }
};

// 16 int16 lanes all holding int16 element k of each 128-bit half of v.
static inline __m256i broadcast_i16(__m256i v, int k) {
    return _mm256_shuffle_epi8(v,
                               _mm256_set1_epi16(static_cast<short>(((2 * k + 1) << 8) | (2 * k))));
}

// int16 lanes 0-7 = byte 2p of v8, lanes 8-15 = byte 2p + 1: the scales of a
// pair of 16-value groups, lined up with maddubs output.
static inline __m256i pair_scales_i8(__m128i v8, int p) {
    const __m128i index = _mm_unpacklo_epi64(_mm_set1_epi8(static_cast<char>(2 * p)),
                                             _mm_set1_epi8(static_cast<char>(2 * p + 1)));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(v8, index));
}
static inline __m256i pair_scales_u8(__m128i v8, int p) {
    const __m128i index = _mm_unpacklo_epi64(_mm_set1_epi8(static_cast<char>(2 * p)),
                                             _mm_set1_epi8(static_cast<char>(2 * p + 1)));
    return _mm256_cvtepu8_epi16(_mm_shuffle_epi8(v8, index));
}

struct Q2K {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m256i m3 = _mm256_set1_epi8(3);
        const __m128i m4 = _mm_set1_epi8(0x0f);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q2_k::kBytes;
            prefetch_block(blk, L::q2_k::kBytes);
            const __m128i raw = load128(blk + L::q2_k::kScales);
            const __m128i scales = _mm_and_si128(raw, m4);
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), m4));
            __m256i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm256_setzero_si256();
            for (int h = 0; h < 2; ++h) {
                const __m256i q = load256(blk + L::q2_k::kQs + 32 * h);
                for (int j = 0; j < 4; ++j) {
                    const __m256i codes = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j), m3);
                    const __m256i sc = pair_scales_u8(scales, 4 * h + j);
                    for (int c = 0; c < C; ++c) {
                        const __m256i x = load256(a.q[c] + 256 * b + 128 * h + 32 * j);
                        sum[c] = _mm256_add_epi32(
                            sum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(codes, x), sc));
                    }
                }
            }
            const float d = f16_at(blk + L::q2_k::kD), dmin = f16_at(blk + L::q2_k::kDmin);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                const __m256i min_sum = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), mins);
                acc[c] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[c]), _mm256_set1_ps(d * da), acc[c]);
                acc[c] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(min_sum), _mm256_set1_ps(dmin * da),
                                          acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

struct Q3K {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m256i m3 = _mm256_set1_epi8(3);
        const __m256i one = _mm256_set1_epi8(1);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q3_k::kBytes;
            prefetch_block(blk, L::q3_k::kBytes);
            uint8_t biased[16];
            L::unpack_q3_scales(blk + L::q3_k::kScales, biased);
            const __m128i scales = _mm_sub_epi8(load128(biased), _mm_set1_epi8(32));
            const __m256i scales16 = _mm256_cvtepi8_epi16(scales);
            // Codes are stored as 0..7 (value + 4): subtract 4 * scale * sum per group.
            __m256i sum[C];
            for (int c = 0; c < C; ++c) {
                const __m256i bias = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), scales16);
                sum[c] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(bias, 2));
            }
            __m256i hmask = load256(blk + L::q3_k::kHmask);
            for (int h = 0; h < 2; ++h) {
                const __m256i q = load256(blk + L::q3_k::kQs + 32 * h);
                for (int j = 0; j < 4; ++j) {
                    const __m256i high = _mm256_slli_epi16(_mm256_and_si256(hmask, one), 2);
                    hmask = _mm256_srli_epi16(hmask, 1);
                    const __m256i codes =
                        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), m3), high);
                    const __m256i sc = pair_scales_i8(scales, 4 * h + j);
                    for (int c = 0; c < C; ++c) {
                        const __m256i x = load256(a.q[c] + 256 * b + 128 * h + 32 * j);
                        sum[c] = _mm256_add_epi32(
                            sum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(codes, x), sc));
                    }
                }
            }
            const float d = f16_at(blk + L::q3_k::kD);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                acc[c] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[c]), _mm256_set1_ps(d * da), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

// q4_k and q5_k share everything but the fifth bit.
template <bool kFiveBit> struct Q45K {
    static constexpr size_t kBytes = kFiveBit ? L::q5_k::kBytes : L::q4_k::kBytes;
    static constexpr size_t kQs = kFiveBit ? L::q5_k::kQs : L::q4_k::kQs;

    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m256i m4 = _mm256_set1_epi8(0x0f);
        // Byte selectors: scales 0-7 into both halves; each minimum twice (per 16 values).
        const __m128i pick_scales = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
        const __m128i pick_mins =
            _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * kBytes;
            prefetch_block(blk, kBytes);
            const __m128i unpacked = unpack_k4_scales_simd(blk + L::q4_k::kScales);
            const __m256i scales = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(unpacked, pick_scales));
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(unpacked, pick_mins));
            __m256i high_bits = kFiveBit ? load256(blk + L::q5_k::kQh) : _mm256_setzero_si256();
            __m256i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm256_setzero_si256();
            for (int chunk = 0; chunk < 4; ++chunk) { // groups 2*chunk (low nibbles), 2*chunk + 1
                const __m256i qs = load256(blk + kQs + 32 * chunk);
                __m256i lo = _mm256_and_si256(qs, m4);
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qs, 4), m4);
                if constexpr (kFiveBit) {
                    const __m256i bit0 = _mm256_and_si256(high_bits, _mm256_set1_epi8(1));
                    const __m256i bit1 = _mm256_and_si256(high_bits, _mm256_set1_epi8(2));
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(bit0, 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(bit1, 3));
                    high_bits = _mm256_srli_epi16(high_bits, 2);
                }
                const __m256i s_lo = broadcast_i16(scales, 2 * chunk);
                const __m256i s_hi = broadcast_i16(scales, 2 * chunk + 1);
                for (int c = 0; c < C; ++c) {
                    const uint8_t* x = a.q[c] + 256 * b + 64 * chunk;
                    const __m256i p_lo = _mm256_maddubs_epi16(lo, load256(x));
                    const __m256i p_hi = _mm256_maddubs_epi16(hi, load256(x + 32));
                    sum[c] = _mm256_add_epi32(sum[c], _mm256_madd_epi16(p_lo, s_lo));
                    sum[c] = _mm256_add_epi32(sum[c], _mm256_madd_epi16(p_hi, s_hi));
                }
            }
            const float d = f16_at(blk + L::q4_k::kD), dmin = f16_at(blk + L::q4_k::kDmin);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                const __m256i min_sum = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), mins);
                acc[c] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[c]), _mm256_set1_ps(d * da), acc[c]);
                acc[c] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(min_sum), _mm256_set1_ps(dmin * da),
                                          acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

struct Q6K {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m256i m4 = _mm256_set1_epi8(0x0f);
        const __m256i m30 = _mm256_set1_epi8(0x30);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q6_k::kBytes;
            prefetch_block(blk, L::q6_k::kBytes);
            const __m128i scales = load128(blk + L::q6_k::kScales);
            const __m256i scales16 = _mm256_cvtepi8_epi16(scales);
            // Codes are stored as 0..63 (value + 32): subtract 32 * scale * sum per group.
            __m256i sum[C];
            for (int c = 0; c < C; ++c) {
                const __m256i bias = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), scales16);
                sum[c] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(bias, 5));
            }
            for (int h = 0; h < 2; ++h) {
                const __m256i ql0 = load256(blk + L::q6_k::kQl + 64 * h);
                const __m256i ql1 = load256(blk + L::q6_k::kQl + 64 * h + 32);
                const __m256i qh = load256(blk + L::q6_k::kQh + 32 * h);
                const __m256i codes[4] = {
                    _mm256_or_si256(_mm256_and_si256(ql0, m4),
                                    _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30)),
                    _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                    _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                    _mm256_and_si256(qh, m30)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                    _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30)),
                };
                for (int k = 0; k < 4; ++k) {
                    const __m256i sc = pair_scales_i8(scales, 4 * h + k);
                    for (int c = 0; c < C; ++c) {
                        const __m256i x = load256(a.q[c] + 256 * b + 128 * h + 32 * k);
                        sum[c] = _mm256_add_epi32(
                            sum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(codes[k], x), sc));
                    }
                }
            }
            const float d = f16_at(blk + L::q6_k::kD);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                acc[c] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[c]), _mm256_set1_ps(d * da), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

} // namespace

void matmul_q2_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q2K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q3_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q3K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q4_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q45K<false>>(w, row_stride, n_rows, n, act, act_stride, n_cols, out,
                                      out_stride);
}

void matmul_q5_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q45K<true>>(w, row_stride, n_rows, n, act, act_stride, n_cols, out,
                                     out_stride);
}

void matmul_q6_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q6K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx2
