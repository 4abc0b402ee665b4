#pragma once
// Least-squares scale searches for the reference quantizers: given a small
// group of values and an integer code range, find the step (and offset) that
// minimize the squared error after rounding to codes.
#include <cstddef>

namespace hoard::quant {

// x ≈ d * q with integer q in [q_lo, q_hi] (q_lo < 0 < q_hi). Returns d (0 for
// an all-zero group); d may be negative, which lets the longer side of an
// asymmetric code range hold the value of largest magnitude.
float search_symmetric_scale(const float* x, size_t n, int q_lo, int q_hi);

struct AffineFit {
    float d;      // step, >= 0
    float offset; // value of code 0
};

// x ≈ d * q + offset with integer q in [0, q_hi]. With `offset_at_most_zero`
// the offset is kept <= 0 (formats that store it as a non-negative minimum).
AffineFit search_affine_scale(const float* x, size_t n, int q_hi, bool offset_at_most_zero);

// Nearest integer to v (ties to even) for |v| < 2^22. Adding and removing
// 1.5 * 2^23 rounds in the FPU's default mode without a libm call (std::lrint
// is an out-of-line call under the default -fmath-errno, and it dominated
// quantization time).
inline int round_small(float v) {
    constexpr float kMagic = 12582912.0f;           // 1.5 * 2^23
    return static_cast<int>((v + kMagic) - kMagic); // not folded: no -ffast-math here
}

// Nearest integer code for x / step, clamped to [lo, hi]; 0 when step is 0.
int nearest_code(float x, float inv_step, int lo, int hi);

} // namespace hoard::quant
