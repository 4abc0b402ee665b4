#pragma once
// How a matrix-vector kernel writes one output row value (matvec.hpp's
// MatvecOutput), shared by the staged and the K-quant kernels.
#include "backend/cuda/matvec.hpp"

namespace hoard::backend::cuda {

__device__ __forceinline__ float silu(float v) {
    return v / (1.0f + __expf(-v));
}

// v: the row's dot product; v2: the up matrix's (SiluMul only).
__device__ __forceinline__ void write_output(float* out, MatvecOutput output, float v, float v2) {
    switch (output) {
    case MatvecOutput::Store:
        *out = v;
        break;
    case MatvecOutput::Add:
        *out += v;
        break;
    case MatvecOutput::SiluMul:
        *out = silu(v) * v2;
        break;
    }
}

} // namespace hoard::backend::cuda
