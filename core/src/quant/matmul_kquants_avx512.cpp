// AVX-512 kernels for the k-quants and q8_0. The same integer scheme as the
// AVX2 kernels (maddubs, madd with group scales, biases and minimums through
// the activation sums), on 64 codes per instruction: the 32 packed bytes that
// hold two adjacent groups are loaded into both 256-bit halves and each half
// shifted by its own amount (vpsrlvw), so codes line up with 64 contiguous
// activation bytes.
#include "quant/block_layout.hpp"
#include "quant/matmul_kernels.hpp"
#include "quant/row_loop.hpp"
#include "quant/simd_avx512.hpp"

namespace hoard::quant::avx512 {
namespace {

using namespace simd;
namespace L = layout;

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

static inline __m512i dot_scaled(__m512i codes, const uint8_t* x, __m512i scales) {
    return _mm512_madd_epi16(_mm512_maddubs_epi16(codes, load512(x)), scales);
}

struct Q2K {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m512i m3 = _mm512_set1_epi8(3);
        const __m128i m4 = _mm_set1_epi8(0x0f);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q2_k::kBytes;
            prefetch_block(blk, L::q2_k::kBytes);
            const __m128i raw = load128(blk + L::q2_k::kScales);
            const __m512i scales =
                _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(raw, m4)));
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), m4));
            __m512i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm512_setzero_si512();
            for (int h = 0; h < 2; ++h) {
                const __m512i q = load256_twice(blk + L::q2_k::kQs + 32 * h);
                for (int j = 0; j < 4; j += 2) { // planes j and j + 1: values 128h + 32j .. + 63
                    const __m512i codes =
                        _mm512_and_si512(_mm512_srlv_epi16(q, halves_i16(2 * j, 2 * j + 2)), m3);
                    const __m512i sc =
                        _mm512_permutexvar_epi16(group_index_by8(8 * h + 2 * j), scales);
                    for (int c = 0; c < C; ++c)
                        sum[c] = _mm512_add_epi32(
                            sum[c], dot_scaled(codes, a.q[c] + 256 * b + 128 * h + 32 * j, sc));
                }
            }
            const float d = f16_at(blk + L::q2_k::kD), dmin = f16_at(blk + L::q2_k::kDmin);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                const __m256i min_sum = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), mins);
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(add_halves(sum[c])),
                                         _mm256_set1_ps(d * da), acc[c]);
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
        const __m512i m3 = _mm512_set1_epi8(3);
        const __m512i one = _mm512_set1_epi8(1);
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q3_k::kBytes;
            prefetch_block(blk, L::q3_k::kBytes);
            uint8_t biased[16];
            L::unpack_q3_scales(blk + L::q3_k::kScales, biased);
            const __m256i scales16 =
                _mm256_cvtepi8_epi16(_mm_sub_epi8(load128(biased), _mm_set1_epi8(32)));
            const __m512i scales = _mm512_castsi256_si512(scales16);
            const __m512i hmask = load256_twice(blk + L::q3_k::kHmask);
            __m512i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm512_setzero_si512();
            for (int h = 0; h < 2; ++h) {
                const __m512i q = load256_twice(blk + L::q3_k::kQs + 32 * h);
                for (int j = 0; j < 4; j += 2) {
                    const __m512i low =
                        _mm512_and_si512(_mm512_srlv_epi16(q, halves_i16(2 * j, 2 * j + 2)), m3);
                    const __m512i high_bit = _mm512_and_si512(
                        _mm512_srlv_epi16(hmask, halves_i16(4 * h + j, 4 * h + j + 1)), one);
                    const __m512i codes = _mm512_or_si512(low, _mm512_slli_epi16(high_bit, 2));
                    const __m512i sc =
                        _mm512_permutexvar_epi16(group_index_by8(8 * h + 2 * j), scales);
                    for (int c = 0; c < C; ++c)
                        sum[c] = _mm512_add_epi32(
                            sum[c], dot_scaled(codes, a.q[c] + 256 * b + 128 * h + 32 * j, sc));
                }
            }
            const float d = f16_at(blk + L::q3_k::kD);
            for (int c = 0; c < C; ++c) {
                // Codes are stored as 0..7 (value + 4): subtract 4 * scale * sum per group.
                const __m256i bias = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), scales16);
                const __m256i total =
                    _mm256_sub_epi32(add_halves(sum[c]), _mm256_slli_epi32(bias, 2));
                const float da = f32_at(a.steps[c] + 4 * b);
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * da), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

template <bool kFiveBit> struct Q45K {
    static constexpr size_t kBytes = kFiveBit ? L::q5_k::kBytes : L::q4_k::kBytes;
    static constexpr size_t kQs = kFiveBit ? L::q5_k::kQs : L::q4_k::kQs;

    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m512i m4 = _mm512_set1_epi8(0x0f);
        const __m512i one = _mm512_set1_epi8(1);
        const __m512i nibble_shift = halves_i16(0, 4);
        const __m128i pick_mins =
            _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        __m512 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm512_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * kBytes;
            prefetch_block(blk, kBytes);
            const __m128i unpacked = unpack_k4_scales_simd(blk + L::q4_k::kScales);
            const __m512i scales = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(unpacked));
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(unpacked, pick_mins));
            const __m512i high_bits =
                kFiveBit ? load256_twice(blk + L::q5_k::kQh) : _mm512_setzero_si512();
            __m512i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm512_setzero_si512();
            for (int chunk = 0; chunk < 4; ++chunk) { // groups 2*chunk (low nibbles), 2*chunk + 1
                __m512i codes = _mm512_and_si512(
                    _mm512_srlv_epi16(load256_twice(blk + kQs + 32 * chunk), nibble_shift), m4);
                if constexpr (kFiveBit) {
                    const __m512i shift = halves_i16(2 * chunk, 2 * chunk + 1);
                    const __m512i bit = _mm512_and_si512(_mm512_srlv_epi16(high_bits, shift), one);
                    codes = _mm512_or_si512(codes, _mm512_slli_epi16(bit, 4));
                }
                const __m512i sc =
                    _mm512_permutexvar_epi16(halves_i16(2 * chunk, 2 * chunk + 1), scales);
                for (int c = 0; c < C; ++c)
                    sum[c] = _mm512_add_epi32(sum[c],
                                              dot_scaled(codes, a.q[c] + 256 * b + 64 * chunk, sc));
            }
            const float d = f16_at(blk + L::q4_k::kD), dmin = f16_at(blk + L::q4_k::kDmin);
            for (int c = 0; c < C; ++c) {
                const float da = f32_at(a.steps[c] + 4 * b);
                const __m256i min_sum = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), mins);
                // Minimums in the low 8 lanes only, so one accumulator holds both terms.
                const __m512 min_part = _mm512_castps256_ps512(
                    _mm256_mul_ps(_mm256_cvtepi32_ps(min_sum), _mm256_set1_ps(dmin * da)));
                acc[c] =
                    _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[c]), _mm512_set1_ps(d * da), acc[c]);
                acc[c] = _mm512_mask_sub_ps(acc[c], 0x00ff, acc[c], min_part);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = _mm512_reduce_add_ps(acc[c]);
    }
};

struct Q6K {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const Super256Cols<C> a(act, act_stride, n);
        const __m512i m4 = _mm512_set1_epi8(0x0f);
        const __m512i m30 = _mm512_set1_epi8(0x30);
        const __m512i shift_low = halves_i16(4, 2);  // qh bits 0-1 / 2-3 up to bits 4-5
        const __m512i shift_high = halves_i16(0, 2); // qh bits 4-5 / 6-7 down to bits 4-5
        __m256 acc[C];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (size_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = w + b * L::q6_k::kBytes;
            prefetch_block(blk, L::q6_k::kBytes);
            const __m256i scales16 = _mm256_cvtepi8_epi16(load128(blk + L::q6_k::kScales));
            const __m512i scales = _mm512_castsi256_si512(scales16);
            __m512i sum[C];
            for (int c = 0; c < C; ++c) sum[c] = _mm512_setzero_si512();
            for (int h = 0; h < 2; ++h) {
                const __m512i ql = load512(blk + L::q6_k::kQl + 64 * h);
                const __m512i qh = load256_twice(blk + L::q6_k::kQh + 32 * h);
                const __m512i codes0 =
                    _mm512_or_si512(_mm512_and_si512(ql, m4),
                                    _mm512_and_si512(_mm512_sllv_epi16(qh, shift_low), m30));
                const __m512i codes1 =
                    _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
                                    _mm512_and_si512(_mm512_srlv_epi16(qh, shift_high), m30));
                const __m512i sc0 = _mm512_permutexvar_epi16(group_index_by8(8 * h), scales);
                const __m512i sc1 = _mm512_permutexvar_epi16(group_index_by8(8 * h + 4), scales);
                for (int c = 0; c < C; ++c) {
                    const uint8_t* x = a.q[c] + 256 * b + 128 * h;
                    sum[c] = _mm512_add_epi32(sum[c], dot_scaled(codes0, x, sc0));
                    sum[c] = _mm512_add_epi32(sum[c], dot_scaled(codes1, x + 64, sc1));
                }
            }
            const float d = f16_at(blk + L::q6_k::kD);
            for (int c = 0; c < C; ++c) {
                // Codes are stored as 0..63 (value + 32): subtract 32 * scale * sum per group.
                const __m256i bias = _mm256_madd_epi16(load256(a.sums[c] + 32 * b), scales16);
                const __m256i total =
                    _mm256_sub_epi32(add_halves(sum[c]), _mm256_slli_epi32(bias, 5));
                const float da = f32_at(a.steps[c] + 4 * b);
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * da), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c] = hsum(acc[c]);
    }
};

// q8_0: two 32-value blocks per 512-bit step; lanes 0-7 / 8-15 of the int32
// sums belong to the first / second block.
struct Q80 {
    template <int C>
    static void dot(const uint8_t* w, const uint8_t* act, size_t act_stride, size_t n, float* out) {
        const size_t nb = n / 32;
        const __m512i ones = _mm512_set1_epi16(1);
        const uint8_t* q[C];
        const uint8_t* steps[C];
        __m512 acc[C];
        for (int c = 0; c < C; ++c) {
            q[c] = act + c * act_stride;
            steps[c] = q[c] + L::act32::scales_offset(n);
            acc[c] = _mm512_setzero_ps();
        }
        size_t b = 0;
        for (; b + 2 <= nb; b += 2) {
            const uint8_t* blk = w + b * L::q8_0::kBytes;
            prefetch_block(blk, 2 * L::q8_0::kBytes);
            const __m512i wq =
                _mm512_inserti64x4(_mm512_castsi256_si512(load256(blk + L::q8_0::kQs)),
                                   load256(blk + L::q8_0::kBytes + L::q8_0::kQs), 1);
            const __mmask64 negative = _mm512_movepi8_mask(wq);
            const __m512i magnitude = _mm512_abs_epi8(wq);
            const float d0 = f16_at(blk), d1 = f16_at(blk + L::q8_0::kBytes);
            for (int c = 0; c < C; ++c) {
                const __m512i x = load512(q[c] + 32 * b);
                // |w| x (a with w's sign): unsigned x signed bytes for maddubs.
                const __m512i signed_x =
                    _mm512_mask_sub_epi8(x, negative, _mm512_setzero_si512(), x);
                const __m512i p =
                    _mm512_madd_epi16(_mm512_maddubs_epi16(magnitude, signed_x), ones);
                const float s0 = d0 * f32_at(steps[c] + 4 * b),
                            s1 = d1 * f32_at(steps[c] + 4 * b + 4);
                const __m512 step =
                    _mm512_mask_broadcastss_ps(_mm512_set1_ps(s0), 0xff00, _mm_set_ss(s1));
                acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), step, acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) {
            float total = _mm512_reduce_add_ps(acc[c]);
            if (b < nb) {
                const uint8_t* blk = w + b * L::q8_0::kBytes;
                const __m256i wq = load256(blk + L::q8_0::kQs);
                const __m256i x = load256(q[c] + 32 * b);
                const __m256i p = dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(x, wq));
                total += hsum(_mm256_cvtepi32_ps(p)) * (f16_at(blk) * f32_at(steps[c] + 4 * b));
            }
            out[c] = total;
        }
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

// For one activation (decode) the 256-bit q4_k / q5_k kernels measured faster
// on Sapphire Rapids (23 vs 19 GB/s from L2; equal from DRAM): with a single
// activation the 512-bit form is bound by its two vector ports. With several
// activations the 512-bit form is ahead.
void matmul_q4_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    if (n_cols == 1) {
        avx2::matmul_q4_k(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
        return;
    }
    matmul_by_rows_multi<Q45K<false>>(w, row_stride, n_rows, n, act, act_stride, n_cols, out,
                                      out_stride);
}

void matmul_q5_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    if (n_cols == 1) {
        avx2::matmul_q5_k(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
        return;
    }
    matmul_by_rows_multi<Q45K<true>>(w, row_stride, n_rows, n, act, act_stride, n_cols, out,
                                     out_stride);
}

void matmul_q6_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q6K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q8_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows_multi<Q80>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx512
