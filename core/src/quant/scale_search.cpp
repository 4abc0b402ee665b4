#include "quant/scale_search.hpp"

#include <algorithm>
#include <cmath>

namespace hoard::quant {
namespace {

// Candidate divisors around the code range's end: a step slightly larger or
// smaller than "max maps to the last code" often lowers the total error.
constexpr float kSpread[] = {-0.9f, -0.6f, -0.4f, -0.2f, 0.0f, 0.15f, 0.3f, 0.5f};

} // namespace

int nearest_code(float x, float inv_step, int lo, int hi) {
    const float scaled = x * inv_step;
    if (!(scaled > static_cast<float>(lo))) return lo; // also catches NaN
    if (scaled >= static_cast<float>(hi)) return hi;
    return round_small(scaled);
}

float search_symmetric_scale(const float* x, size_t n, int q_lo, int q_hi) {
    float peak = 0.0f; // the value of largest magnitude, with its sign
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(x[i]) > std::fabs(peak)) peak = x[i];
    if (peak == 0.0f || !std::isfinite(peak)) return 0.0f;

    double best_error = INFINITY;
    float best_d = peak / static_cast<float>(q_hi);
    for (const int end : {q_lo, q_hi}) {
        for (const float spread : kSpread) {
            const float target = static_cast<float>(end) + (end < 0 ? -spread : spread);
            if (target == 0.0f || (end < 0) != (target < 0.0f)) continue;
            const float inv = target / peak;
            double sum_xq = 0.0, sum_qq = 0.0;
            for (size_t i = 0; i < n; ++i) {
                const int q = nearest_code(x[i], inv, q_lo, q_hi);
                sum_xq += static_cast<double>(x[i]) * q;
                sum_qq += static_cast<double>(q) * q;
            }
            if (sum_qq == 0.0) continue;
            const double error = -sum_xq * sum_xq / sum_qq; // up to the constant sum of x^2
            if (error < best_error) {
                best_error = error;
                best_d = static_cast<float>(sum_xq / sum_qq);
            }
        }
    }
    return best_d;
}

AffineFit search_affine_scale(const float* x, size_t n, int q_hi, bool offset_at_most_zero) {
    float lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    if (offset_at_most_zero) lo = std::min(lo, 0.0f);
    if (!(hi > lo) || !std::isfinite(hi - lo)) return {0.0f, std::isfinite(lo) ? lo : 0.0f};

    double sx = 0, sxx = 0;
    for (size_t i = 0; i < n; ++i) {
        sx += x[i];
        sxx += static_cast<double>(x[i]) * x[i];
    }
    const double count = static_cast<double>(n);
    AffineFit best{(hi - lo) / static_cast<float>(q_hi), lo};
    double best_error = INFINITY;
    for (const float spread : kSpread) {
        AffineFit fit{(hi - lo) / (static_cast<float>(q_hi) + spread), lo};
        // Round to codes, then refit step and offset by least squares; twice.
        // The refit's error is computed from the sums with the codes it was
        // fitted to: an upper bound of its error after re-rounding.
        for (int pass = 0; pass < 2; ++pass) {
            if (!(fit.d > 0.0f)) break;
            const float inv = 1.0f / fit.d;
            double sq = 0, sqq = 0, sxq = 0;
            for (size_t i = 0; i < n; ++i) {
                const int q = nearest_code(x[i] - fit.offset, inv, 0, q_hi);
                sq += q;
                sqq += static_cast<double>(q) * q;
                sxq += static_cast<double>(x[i]) * q;
            }
            const double det = count * sqq - sq * sq;
            if (det <= 0.0) break;
            double d = (count * sxq - sq * sx) / det;
            double offset = (sqq * sx - sq * sxq) / det;
            if (offset_at_most_zero && offset > 0.0) {
                offset = 0.0;
                d = sxq / sqq;
            }
            if (!(d > 0.0)) break;
            // sum of (d q + offset - x)^2, expanded.
            const double error = d * d * sqq + 2 * d * offset * sq + count * offset * offset -
                                 2 * d * sxq - 2 * offset * sx + sxx;
            fit = {static_cast<float>(d), static_cast<float>(offset)};
            if (error < best_error) {
                best_error = error;
                best = fit;
            }
        }
    }
    return best;
}

} // namespace hoard::quant
