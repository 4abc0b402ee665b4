#include "backend/cpu/gated_activation.hpp"

namespace hoard::backend::cpu {

void silu_mul(const float* gate, const float* up, float* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

} // namespace hoard::backend::cpu
