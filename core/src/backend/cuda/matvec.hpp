#pragma once
// Dequantize-on-the-fly matrix-vector products for decoding: one activation
// vector per problem, any number of problems (experts) in one launch. Memory
// bound. q4_K and q6_K weights go through matvec_kquant (16-byte loads
// straight into registers, activations reused across rows); other formats
// (and every format with HOARD_CUDA_MATVEC=staged) through the staged kernel:
// each block copies the raw bytes of a few rows into shared memory with
// 16-byte coalesced loads, then its warps decode and dot them.
#include "backend/cuda/device_matrix.hpp"

#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

enum class MatvecOutput {
    Store,   // out[r] = w_r · x
    Add,     // out[r] += w_r · x (the residual stream)
    SiluMul, // out[r] = silu(w_r · x) * (w2_r · x): gate and up of a SwiGLU
};

struct MatvecProblems {
    // Problem p multiplies matrix ids[p] of `w` (matrix p without ids) with
    // activation x + p * x_stride and writes out + p * out_stride (p: see rows).
    DeviceMatrix w;
    DeviceMatrix w2;              // SiluMul: the up matrices, shaped like w
    const int32_t* ids = nullptr; // device memory, n_problems matrix indices
    // Device memory, n_problems values: problem p reads x row rows[p] and
    // writes out row rows[p] (null: row p). The offload engine runs only some
    // of a token's experts on the device and keeps each in its slot's row.
    const int32_t* rows = nullptr;
    const void* x = nullptr; // int8 rows (quantized w) or float rows
    size_t x_stride = 0;     // bytes; 0 when every problem reads the same x
    float* out = nullptr;
    size_t out_stride = 0; // floats
    size_t n_problems = 1;
    MatvecOutput output = MatvecOutput::Store;
};

// Launches on `stream`; throws hoard::Error for a shape the kernels cannot run.
void matvec(const MatvecProblems& problems, cudaStream_t stream);

} // namespace hoard::backend::cuda
