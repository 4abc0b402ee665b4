#pragma once
// The gated activations of feed-forward blocks: out = act(gate) · up.
#include <cmath>
#include <cstddef>

namespace hoard::backend::cpu {

inline float silu(float x) {
    return x / (1.0f + std::exp(-x));
}

// out[i] = silu(gate[i]) * up[i]; out may alias gate or up.
void silu_mul(const float* gate, const float* up, float* out, size_t n);

} // namespace hoard::backend::cpu
