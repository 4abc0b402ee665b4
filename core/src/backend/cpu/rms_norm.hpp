#pragma once
// Root-mean-square normalization: out = x / sqrt(mean(x²) + eps) · weight.
#include <cstddef>

namespace hoard::backend::cpu {

// `weight` may be null (no scaling); `out` may alias `x`.
void rms_norm(const float* x, const float* weight, float* out, size_t n, float eps);

// The same for `count` vectors of n values, `stride` floats apart (in place),
// each scaled by the same weight: per-head Q/K norms and whole batches.
void rms_norm_rows(float* x, size_t count, size_t stride, const float* weight, size_t n, float eps);

} // namespace hoard::backend::cpu
