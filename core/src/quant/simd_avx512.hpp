#pragma once
// Small AVX-512 (F/BW/VL/DQ) helpers for the *_avx512.cpp kernel files only.
// Internal linkage, so no out-of-line copy can leak into generic code.
#include "quant/simd_avx2.hpp"

#include <immintrin.h>

namespace hoard::quant::simd {

static inline __m512i load512(const void* p) {
    return _mm512_loadu_si512(p);
}

// The 32 bytes at p in both 256-bit halves.
static inline __m512i load256_twice(const void* p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
}

// int16 lanes 0-15 = lo, lanes 16-31 = hi.
static inline __m512i halves_i16(int lo, int hi) {
    return _mm512_mask_blend_epi16(0xffff0000u, _mm512_set1_epi16(static_cast<short>(lo)),
                                   _mm512_set1_epi16(static_cast<short>(hi)));
}

// int16 lane i = first + i / 8: picks four consecutive 16-value group scales,
// each repeated over the 8 maddubs lanes of its group.
static inline __m512i group_index_by8(int first) {
    alignas(64) static constexpr int16_t kLaneDiv8[32] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1,
                                                          1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2,
                                                          2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
    return _mm512_add_epi16(_mm512_load_si512(kLaneDiv8),
                            _mm512_set1_epi16(static_cast<short>(first)));
}

static inline __m256i add_halves(__m512i v) {
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

} // namespace hoard::quant::simd
