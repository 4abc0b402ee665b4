#include "backend/cpu/softmax.hpp"

#include <cmath>

namespace hoard::backend::cpu {

void softmax(float* x, size_t n) {
    if (n == 0) return;
    float max = x[0];
    for (size_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
    }
    const float inv = float(1.0 / sum);
    for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

} // namespace hoard::backend::cpu
