#include "offload/expert_compute.hpp"

#include "backend/cpu/gated_activation.hpp"

namespace hoard::offload {

void compute_expert(backend::cpu::ThreadPool& pool, const model::ExpertMatrices& w,
                    const float* inputs, size_t m, size_t n_embd, size_t n_ff, ExpertScratch& s,
                    float* out) {
    if (s.gate.size() < m * n_ff) s.gate.resize(m * n_ff);
    if (s.up.size() < m * n_ff) s.up.resize(m * n_ff);
    s.input.reset(inputs, n_embd, m, n_embd);
    backend::cpu::matmul(pool, w.gate, s.input, s.gate.data(), n_ff);
    backend::cpu::matmul(pool, w.up, s.input, s.up.data(), n_ff);
    backend::cpu::silu_mul(s.gate.data(), s.up.data(), s.gate.data(), m * n_ff);
    s.hidden.reset(s.gate.data(), n_ff, m, n_ff);
    backend::cpu::matmul(pool, w.down, s.hidden, out, n_embd);
}

} // namespace hoard::offload
