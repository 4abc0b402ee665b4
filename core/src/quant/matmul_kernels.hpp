#pragma once
// The per-ISA matrix kernels behind quant::matmul. Each implementation file
// defines one function per computable format; dispatch.cpp gathers their
// addresses into constant tables, so no ISA-specific code runs (not even at
// start-up) unless the CPU supports it.
#include <cstddef>
#include <cstdint>

namespace hoard::quant {

// out[r * out_stride + c] = dot(row r of w, activation c); arguments as in kernels.hpp.
using MatmulSignature = void(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n,
                             const uint8_t* act, size_t act_stride, size_t n_cols, float* out,
                             size_t out_stride);
using MatmulFn = MatmulSignature*;

struct MatmulKernels {
    MatmulFn f32, f16, bf16;
    MatmulFn q4_0, q4_1, q5_0, q5_1, q8_0;
    MatmulFn q2_k, q3_k, q4_k, q5_k, q6_k;
};

namespace scalar {
MatmulSignature matmul_f32, matmul_f16, matmul_bf16;
MatmulSignature matmul_q4_0, matmul_q4_1, matmul_q5_0, matmul_q5_1, matmul_q8_0;
MatmulSignature matmul_q2_k, matmul_q3_k, matmul_q4_k, matmul_q5_k, matmul_q6_k;
} // namespace scalar

namespace avx2 {
MatmulSignature matmul_f32, matmul_f16, matmul_bf16;
MatmulSignature matmul_q4_0, matmul_q4_1, matmul_q5_0, matmul_q5_1, matmul_q8_0;
MatmulSignature matmul_q2_k, matmul_q3_k, matmul_q4_k, matmul_q5_k, matmul_q6_k;
} // namespace avx2

// AVX-512 has its own kernels for the float formats, q8_0 and the k-quants;
// q4_0 .. q5_1 use the AVX2 ones (every AVX-512 CPU runs them), and so do
// q4_k / q5_k for a single activation, where they measured faster.
namespace avx512 {
MatmulSignature matmul_f32, matmul_f16, matmul_bf16;
MatmulSignature matmul_q8_0;
MatmulSignature matmul_q2_k, matmul_q3_k, matmul_q4_k, matmul_q5_k, matmul_q6_k;
} // namespace avx512

} // namespace hoard::quant
