#pragma once
// The small kernels around cuBLAS's prefill products (cublas_prefill.hpp):
// weights decoded to float16 rows, activation rows gathered per expert, and
// the SwiGLU step between an expert's two products.
#include "backend/cuda/device_matrix.hpp"

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

// out row r (out_stride halves apart) = row first_row + r of `m`, decoded as
// dequantize_rows does, rounded to float16.
void dequantize_half(const DeviceMatrix& m, size_t first_row, size_t n_rows, __half* out,
                     size_t out_stride, cudaStream_t stream);

// dst row i = src row list[i] / divisor, for i < count; rows of n halves.
void gather_half_rows(const __half* src, size_t src_stride, const uint32_t* list, uint32_t divisor,
                      size_t count, size_t n, __half* dst, size_t dst_stride, cudaStream_t stream);

// h[i][j] = silu(gu[i][j]) · gu[i][n + j] for i < rows, j < n (gu: rows of
// gu_stride floats, the gate outputs then the up outputs); float16 rows of
// h_stride. int8_grid: each run of 32 values of a row rounded to its int8
// grid first (as the int8 reader of a quantized down matrix would see it).
void silu_mul_half(const float* gu, size_t gu_stride, size_t rows, size_t n, bool int8_grid,
                   __half* h, size_t h_stride, cudaStream_t stream);

} // namespace hoard::backend::cuda
