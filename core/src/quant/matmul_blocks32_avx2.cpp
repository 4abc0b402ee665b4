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

// Four-bit (kQh == 0) or five-bit codes: returns sum over blocks of
// d * da * (codes . activation codes) and, in `offsets`, sum of c * da * sum(a)
// where c is the block's constant term (bias * d, or the stored offset m).
template <size_t kBytes, size_t kQs, size_t kQh, size_t kM, int kBias>
float dot_small_codes(const uint8_t* w, const uint8_t* act, size_t n) {
    const size_t nb = n / 32;
    const uint8_t* scales = act + L::act32::scales_offset(n);
    const uint8_t* dsums = act + L::act32::dsums_offset(n);
    __m256 acc = _mm256_setzero_ps();
    float offsets = 0.0f;
    for (size_t b = 0; b < nb; ++b) {
        const uint8_t* blk = w + b * kBytes;
        __m256i codes = nibbles32(blk + kQs);
        if constexpr (kQh != 0) {
            const __m256i high =
                _mm256_and_si256(spread_bits(L::load_u32(blk + kQh)), _mm256_set1_epi8(0x10));
            codes = _mm256_or_si256(codes, high);
        }
        const __m256i p = dot_u8s8(codes, load256(act + 32 * b));
        const float d = f16_at(blk);
        acc =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(d * f32_at(scales + 4 * b)), acc);
        const float constant = kM != 0 ? f16_at(blk + kM) : -static_cast<float>(kBias) * d;
        offsets += constant * f32_at(dsums + 4 * b);
    }
    return hsum(acc) + offsets;
}

float dot_q8_0(const uint8_t* w, const uint8_t* act, size_t n) {
    const size_t nb = n / 32;
    const uint8_t* scales = act + L::act32::scales_offset(n);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t b = 0;
    const auto block = [&](size_t i) {
        const uint8_t* blk = w + i * L::q8_0::kBytes;
        const __m256i wq = load256(blk + L::q8_0::kQs);
        const __m256i a = load256(act + 32 * i);
        // |w| x (a with w's sign): unsigned x signed bytes for maddubs.
        const __m256i p = dot_u8s8(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(a, wq));
        return _mm256_mul_ps(_mm256_cvtepi32_ps(p),
                             _mm256_set1_ps(f16_at(blk) * f32_at(scales + 4 * i)));
    };
    for (; b + 2 <= nb; b += 2) {
        acc0 = _mm256_add_ps(acc0, block(b));
        acc1 = _mm256_add_ps(acc1, block(b + 1));
    }
    if (b < nb) acc0 = _mm256_add_ps(acc0, block(b));
    return hsum(_mm256_add_ps(acc0, acc1));
}

constexpr RowDotFn kDotQ4_0 = dot_small_codes<L::q4_0::kBytes, L::q4_0::kQs, 0, 0, 8>;
constexpr RowDotFn kDotQ4_1 = dot_small_codes<L::q4_1::kBytes, L::q4_1::kQs, 0, L::q4_1::kM, 0>;
constexpr RowDotFn kDotQ5_0 = dot_small_codes<L::q5_0::kBytes, L::q5_0::kQs, L::q5_0::kQh, 0, 16>;
constexpr RowDotFn kDotQ5_1 =
    dot_small_codes<L::q5_1::kBytes, L::q5_1::kQs, L::q5_1::kQh, L::q5_1::kM, 0>;

} // namespace

void matmul_q4_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ4_0>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q4_1(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ4_1>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q5_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ5_0>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q5_1(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<kDotQ5_1>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

void matmul_q8_0(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n, const uint8_t* act,
                 size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_by_rows<dot_q8_0>(w, row_stride, n_rows, n, act, act_stride, n_cols, out, out_stride);
}

} // namespace hoard::quant::avx2
