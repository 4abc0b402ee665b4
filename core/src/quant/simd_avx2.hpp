#pragma once
// Small AVX2 helpers for the *_avx2.cpp / *_avx512.cpp kernel files only (the
// including file must be compiled with AVX2, FMA and F16C enabled). Internal
// linkage, so no out-of-line copy can leak into generic code.
// GCC 12's AVX-512 intrinsics self-initialize their "undefined" operands and
// then warn about it from inside the header (a GCC bug); silence only that
// header's lines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hoard::quant::simd {

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float f16_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return _cvtsh_ss(h);
}

static inline float f32_at(const uint8_t* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

static inline __m256i load256(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

static inline __m128i load128(const void* p) {
    return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

// Sum of 16-bit products of unsigned bytes u and signed bytes s, as 8 int32
// lanes (pairs of pairs); callers keep |u * s| sums within int16.
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// The 8 six-bit scales and 8 six-bit minimums of a q4_k / q5_k super-block
// (12 packed bytes, layout in block_layout.hpp) as bytes 0-7 and 8-15. Reads
// 16 bytes: the 4 after the scales belong to the same block.
static inline __m128i unpack_k4_scales_simd(const uint8_t* packed) {
    const __m128i v = load128(packed);                               // words a0 a1 a2 (a3)
    const __m128i x = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)); // a0 a2 a1 a2
    const __m128i y = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)); // a0 a0 a1 a1
    const __m128i low =
        _mm_and_si128(_mm_srlv_epi32(x, _mm_setr_epi32(0, 0, 0, 4)),
                      _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    const __m128i high =
        _mm_and_si128(_mm_srli_epi32(y, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm_or_si128(low, high);
}

// Software prefetch of the weight bytes a kernel will read `kPrefetchDistance`
// bytes from now. Decode streams each weight byte once; the hardware
// prefetcher stops at 4 KiB page boundaries, and without this the kernels
// reached only about half of the memory bandwidth.
inline constexpr size_t kPrefetchDistance = 2048;
static inline void prefetch_block(const uint8_t* block, size_t bytes) {
    for (size_t off = 0; off < bytes; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(block + kPrefetchDistance + off), _MM_HINT_T0);
}

} // namespace hoard::quant::simd
