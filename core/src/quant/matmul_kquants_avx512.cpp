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

struct Super256 {
    const uint8_t* q;     // int8 codes
    const uint8_t* sums;  // int16 per 16 values
    const uint8_t* steps; // float per 256 values
    Super256(const uint8_t* act, size_t n)
        : q(act), sums(act + L::act256::sums_offset(n)), steps(act + L::act256::scales_offset(n)) {}
};

float dot_q2_k(const uint8_t* w, const uint8_t* act, size_t n) {
    const Super256 a(act, n);
    const __m512i m3 = _mm512_set1_epi8(3);
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
    for (size_t b = 0; b < n / 256; ++b) {
        const uint8_t* blk = w + b * L::q2_k::kBytes;
        const float da = f32_at(a.steps + 4 * b);
        const __m128i raw = load128(blk + L::q2_k::kScales);
        const __m512i scales = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(raw, m4)));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), m4));
        const __m256i min_sum = _mm256_madd_epi16(load256(a.sums + 32 * b), mins);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(min_sum),
                                  _mm256_set1_ps(f16_at(blk + L::q2_k::kDmin) * da), acc_min);
        const uint8_t* aq = a.q + 256 * b;
        __m512i sum = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i q = load256_twice(blk + L::q2_k::kQs + 32 * h);
            for (int j = 0; j < 4; j += 2) { // planes j and j + 1: values 128h + 32j .. + 63
                const __m512i codes =
                    _mm512_and_si512(_mm512_srlv_epi16(q, halves_i16(2 * j, 2 * j + 2)), m3);
                const __m512i p = _mm512_maddubs_epi16(codes, load512(aq + 128 * h + 32 * j));
                const __m512i sc = _mm512_permutexvar_epi16(group_index_by8(8 * h + 2 * j), scales);
                sum = _mm512_add_epi32(sum, _mm512_madd_epi16(p, sc));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(add_halves(sum)),
                              _mm256_set1_ps(f16_at(blk + L::q2_k::kD) * da), acc);
    }
    return hsum(acc) - hsum(acc_min);
}

float dot_q3_k(const uint8_t* w, const uint8_t* act, size_t n) {
    const Super256 a(act, n);
    const __m512i m3 = _mm512_set1_epi8(3);
    const __m512i one = _mm512_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (size_t b = 0; b < n / 256; ++b) {
        const uint8_t* blk = w + b * L::q3_k::kBytes;
        uint8_t biased[16];
        L::unpack_q3_scales(blk + L::q3_k::kScales, biased);
        const __m256i scales16 =
            _mm256_cvtepi8_epi16(_mm_sub_epi8(load128(biased), _mm_set1_epi8(32)));
        const __m512i scales = _mm512_castsi256_si512(scales16);
        // Codes are stored as 0..7 (value + 4): subtract 4 * scale * sum per group.
        const __m256i bias = _mm256_madd_epi16(load256(a.sums + 32 * b), scales16);
        const __m512i hmask = load256_twice(blk + L::q3_k::kHmask);
        const uint8_t* aq = a.q + 256 * b;
        __m512i sum = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i q = load256_twice(blk + L::q3_k::kQs + 32 * h);
            for (int j = 0; j < 4; j += 2) {
                const __m512i low =
                    _mm512_and_si512(_mm512_srlv_epi16(q, halves_i16(2 * j, 2 * j + 2)), m3);
                const __m512i high_bit = _mm512_and_si512(
                    _mm512_srlv_epi16(hmask, halves_i16(4 * h + j, 4 * h + j + 1)), one);
                const __m512i codes = _mm512_or_si512(low, _mm512_slli_epi16(high_bit, 2));
                const __m512i p = _mm512_maddubs_epi16(codes, load512(aq + 128 * h + 32 * j));
                const __m512i sc = _mm512_permutexvar_epi16(group_index_by8(8 * h + 2 * j), scales);
                sum = _mm512_add_epi32(sum, _mm512_madd_epi16(p, sc));
            }
        }
        const __m256i total = _mm256_sub_epi32(add_halves(sum), _mm256_slli_epi32(bias, 2));
        const float d = f16_at(blk + L::q3_k::kD) * f32_at(a.steps + 4 * b);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d), acc);
    }
    return hsum(acc);
}

template <bool kFiveBit> float dot_q45_k(const uint8_t* w, const uint8_t* act, size_t n) {
    constexpr size_t kBytes = kFiveBit ? L::q5_k::kBytes : L::q4_k::kBytes;
    constexpr size_t kQs = kFiveBit ? L::q5_k::kQs : L::q4_k::kQs;
    const Super256 a(act, n);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i one = _mm512_set1_epi8(1);
    const __m512i nibble_shift = halves_i16(0, 4);
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_min = _mm256_setzero_ps();
    for (size_t b = 0; b < n / 256; ++b) {
        const uint8_t* blk = w + b * kBytes;
        const float da = f32_at(a.steps + 4 * b);
        uint32_t packed[4];
        L::unpack_k4_scales(blk + L::q4_k::kScales, packed);
        const __m256i scales_mins = _mm256_cvtepu8_epi16(load128(packed)); // 8 scales, 8 mins
        const __m128i mins = _mm256_extracti128_si256(scales_mins, 1);
        const __m256i mins_per16 =
            _mm256_set_m128i(_mm_unpackhi_epi16(mins, mins), _mm_unpacklo_epi16(mins, mins));
        const __m256i min_sum = _mm256_madd_epi16(load256(a.sums + 32 * b), mins_per16);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(min_sum),
                                  _mm256_set1_ps(f16_at(blk + L::q4_k::kDmin) * da), acc_min);

        const __m512i scales = _mm512_castsi256_si512(scales_mins);
        const __m512i high_bits =
            kFiveBit ? load256_twice(blk + L::q5_k::kQh) : _mm512_setzero_si512();
        const uint8_t* aq = a.q + 256 * b;
        __m512i sum = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) { // groups 2c (low nibbles) and 2c + 1 (high nibbles)
            __m512i codes = _mm512_and_si512(
                _mm512_srlv_epi16(load256_twice(blk + kQs + 32 * c), nibble_shift), m4);
            if constexpr (kFiveBit) {
                const __m512i bit = _mm512_and_si512(
                    _mm512_srlv_epi16(high_bits, halves_i16(2 * c, 2 * c + 1)), one);
                codes = _mm512_or_si512(codes, _mm512_slli_epi16(bit, 4));
            }
            const __m512i p = _mm512_maddubs_epi16(codes, load512(aq + 64 * c));
            const __m512i sc = _mm512_permutexvar_epi16(halves_i16(2 * c, 2 * c + 1), scales);
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(p, sc));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum),
                              _mm512_set1_ps(f16_at(blk + L::q4_k::kD) * da), acc);
    }
    return _mm512_reduce_add_ps(acc) - hsum(acc_min);
}

float dot_q6_k(const uint8_t* w, const uint8_t* act, size_t n) {
    const Super256 a(act, n);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i m30 = _mm512_set1_epi8(0x30);
    const __m512i shift_low = halves_i16(4, 2);  // qh bits 0-1 / 2-3 up to bits 4-5
    const __m512i shift_high = halves_i16(0, 2); // qh bits 4-5 / 6-7 down to bits 4-5
    __m256 acc = _mm256_setzero_ps();
    for (size_t b = 0; b < n / 256; ++b) {
        const uint8_t* blk = w + b * L::q6_k::kBytes;
        const __m256i scales16 = _mm256_cvtepi8_epi16(load128(blk + L::q6_k::kScales));
        const __m512i scales = _mm512_castsi256_si512(scales16);
        // Codes are stored as 0..63 (value + 32): subtract 32 * scale * sum per group.
        const __m256i bias = _mm256_madd_epi16(load256(a.sums + 32 * b), scales16);
        const uint8_t* aq = a.q + 256 * b;
        __m512i sum = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i ql = load512(blk + L::q6_k::kQl + 64 * h);
            const __m512i qh = load256_twice(blk + L::q6_k::kQh + 32 * h);
            const __m512i codes0 = _mm512_or_si512(
                _mm512_and_si512(ql, m4), _mm512_and_si512(_mm512_sllv_epi16(qh, shift_low), m30));
            const __m512i codes1 =
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
                                _mm512_and_si512(_mm512_srlv_epi16(qh, shift_high), m30));
            const __m512i p0 = _mm512_maddubs_epi16(codes0, load512(aq + 128 * h));
            const __m512i p1 = _mm512_maddubs_epi16(codes1, load512(aq + 128 * h + 64));
            sum = _mm512_add_epi32(sum, _mm512_madd_epi16(p0, _mm512_permutexvar_epi16(
                                                                  group_index_by8(8 * h), scales)));
            sum = _mm512_add_epi32(
                sum, _mm512_madd_epi16(
                         p1, _mm512_permutexvar_epi16(group_index_by8(8 * h + 4), scales)));
        }
        const __m256i total = _mm256_sub_epi32(add_halves(sum), _mm256_slli_epi32(bias, 5));
        const float d = f16_at(blk + L::q6_k::kD) * f32_at(a.steps + 4 * b);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d), acc);
    }
    return hsum(acc);
}

// q8_0: two 32-value blocks per 512-bit step; lanes 0-7 / 8-15 of the int32
// sums belong to the first / second block.
float dot_q8_0(const uint8_t* w, const uint8_t* act, size_t n) {
    const size_t nb = n / 32;
    const uint8_t* steps = act + L::act32::scales_offset(n);
    const __m512i ones = _mm512_set1_epi16(1);
    __m512 acc = _mm512_setzero_ps();
    size_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t* blk = w + b * L::q8_0::kBytes;
        const __m512i wq = _mm512_inserti64x4(_mm512_castsi256_si512(load256(blk + L::q8_0::kQs)),
                                              load256(blk + L::q8_0::kBytes + L::q8_0::kQs), 1);
        const __m512i aq = load512(act + 32 * b);
        // |w| x (a with w's sign): unsigned x signed bytes for maddubs.
        const __m512i signed_a =
            _mm512_mask_sub_epi8(aq, _mm512_movepi8_mask(wq), _mm512_setzero_si512(), aq);
        const __m512i p =
            _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(wq), signed_a), ones);
        const float s0 = f16_at(blk) * f32_at(steps + 4 * b);
        const float s1 = f16_at(blk + L::q8_0::kBytes) * f32_at(steps + 4 * b + 4);
        const __m512 step = _mm512_insertf32x8(_mm512_set1_ps(s0), _mm256_set1_ps(s1), 1);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), step, acc);
    }
    float total = _mm512_reduce_add_ps(acc);
    if (b < nb) {
        const uint8_t* blk = w + b * L::q8_0::kBytes;
        const __m256i wq = load256(blk + L::q8_0::kQs);
        const __m256i aq = load256(act + 32 * b);
        const __m256i p = dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(aq, wq));
        total += hsum(_mm256_cvtepi32_ps(p)) * (f16_at(blk) * f32_at(steps + 4 * b));
    }
    return total;
}

constexpr RowDotFn kDotQ4_K = dot_q45_k<false>;
constexpr RowDotFn kDotQ5_K = dot_q45_k<true>;

} // namespace

void matmul_q2_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<dot_q2_k>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q3_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<dot_q3_k>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q4_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ4_K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q5_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ5_K>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q6_k(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<dot_q6_k>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q8_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<dot_q8_0>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx512
