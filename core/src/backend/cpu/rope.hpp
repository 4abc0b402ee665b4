#pragma once
// Rotary position embedding. Pair i (i < n_rot/2) of a head is rotated by the
// angle position · base^(-2i / n_rot). The two styles differ only in which
// values form pair i:
//  - Interleaved ("normal", GPT-J, what GGUF llama files expect): (2i, 2i+1);
//  - NeoX (Qwen, GPT-NeoX): (i, i + n_rot/2).
// Values past n_rot in a head are left as they are.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::backend::cpu {

enum class RopeStyle { Interleaved, NeoX };

// cos and sin of the rotation angles of one position, computed once per token
// and shared by every head and layer.
class RopeAngles {
  public:
    void compute(int64_t position, size_t n_rot, float freq_base);
    size_t n_rot() const { return n_rot_; }
    const float* cos() const { return cos_.data(); }
    const float* sin() const { return sin_.data(); }

  private:
    size_t n_rot_ = 0;
    std::vector<float> cos_;
    std::vector<float> sin_;
};

// Rotates n_heads heads of head_dim values each, laid out back to back.
void apply_rope(float* x, size_t n_heads, size_t head_dim, const RopeAngles& angles,
                RopeStyle style);

} // namespace hoard::backend::cpu
