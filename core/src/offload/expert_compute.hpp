#pragma once
// One expert over a group of token rows, exactly as the plain forward pass
// computes it (same kernels, same order), so results are bit-identical
// wherever the weights' bytes are: down(silu(gate(x)) · up(x)).
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "model/expert_source.hpp"

#include <cstddef>
#include <vector>

namespace hoard::offload {

// Buffers one stream of expert computations reuses.
struct ExpertScratch {
    std::vector<float> gate, up;
    backend::cpu::ActivationBatch input, hidden;
};

// `inputs`: m rows of n_embd floats; `out`: m rows of n_embd floats.
void compute_expert(backend::cpu::ThreadPool& pool, const model::ExpertMatrices& w,
                    const float* inputs, size_t m, size_t n_embd, size_t n_ff,
                    ExpertScratch& scratch, float* out);

} // namespace hoard::offload
