#include "backend/cpu/rope.hpp"

#include <cmath>

namespace hoard::backend::cpu {

void RopeAngles::compute(int64_t position, size_t n_rot, float freq_base) {
    n_rot_ = n_rot;
    const size_t half = n_rot / 2;
    if (cos_.size() < half) {
        cos_.resize(half);
        sin_.resize(half);
    }
    // Double precision: the angle reaches 1e5 radians at long contexts.
    for (size_t i = 0; i < half; ++i) {
        const double inv_freq = std::pow(double(freq_base), -2.0 * double(i) / double(n_rot));
        const double theta = double(position) * inv_freq;
        cos_[i] = float(std::cos(theta));
        sin_[i] = float(std::sin(theta));
    }
}

void apply_rope(float* x, size_t n_heads, size_t head_dim, const RopeAngles& angles,
                RopeStyle style) {
    const size_t half = angles.n_rot() / 2;
    const float* c = angles.cos();
    const float* s = angles.sin();
    for (size_t h = 0; h < n_heads; ++h) {
        float* v = x + h * head_dim;
        for (size_t i = 0; i < half; ++i) {
            const size_t a = style == RopeStyle::Interleaved ? 2 * i : i;
            const size_t b = style == RopeStyle::Interleaved ? 2 * i + 1 : i + half;
            const float x0 = v[a];
            const float x1 = v[b];
            v[a] = x0 * c[i] - x1 * s[i];
            v[b] = x0 * s[i] + x1 * c[i];
        }
    }
}

} // namespace hoard::backend::cpu
