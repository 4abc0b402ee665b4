#pragma once
// Small AVX2 helpers for the *_avx2.cpp / *_avx512.cpp kernel files only (the
// including file must be compiled with AVX2, FMA and F16C enabled). Internal
// linkage, so no out-of-line copy can leak into generic code.
// GCC 12's AVX-512 intrinsics self-initialize their "undefined" operands and
// then warn about it from inside the header (a GCC bug); silence only that
// header's lines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

} // namespace hoard::quant::simd
