#include "backend/cpu/rms_norm.hpp"

#include <cmath>

namespace hoard::backend::cpu {

void rms_norm(const float* x, const float* weight, float* out, size_t n, float eps) {
    // Double accumulation: n reaches 8192 and beyond in real models.
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += double(x[i]) * double(x[i]);
    const float scale = float(1.0 / std::sqrt(sum / double(n) + double(eps)));
    if (weight != nullptr)
        for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
    else
        for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale;
}

void rms_norm_rows(float* x, size_t count, size_t stride, const float* weight, size_t n,
                   float eps) {
    for (size_t r = 0; r < count; ++r) rms_norm(x + r * stride, weight, x + r * stride, n, eps);
}

} // namespace hoard::backend::cpu
