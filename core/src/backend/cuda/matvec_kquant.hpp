#pragma once
// The decode matrix-vector product for q4_K and q6_K weights, read straight
// from global memory (no shared-memory staging): see matvec_kquant.cu.
#include "backend/cuda/matvec.hpp"

namespace hoard::backend::cuda {

// Launches the product on `stream` and returns true when these kernels take
// the problems (q4_K or q6_K weights laid out as they need, and
// HOARD_CUDA_MATVEC is not "staged"); returns false, launching nothing, when
// the caller's staged kernel must run instead. Expects matvec()'s checks done.
bool matvec_kquant(const MatvecProblems& problems, cudaStream_t stream);

} // namespace hoard::backend::cuda
