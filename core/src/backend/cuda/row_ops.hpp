#pragma once
// Per-row kernels of the forward pass: the residual update with the expert
// mixture, RMSNorm, and the activation encodings the matrix kernels read;
// token embedding and dequantization of weight rows.
#include "backend/cuda/device_matrix.hpp"

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

// What normalize_rows reads and writes for `n_rows` rows of n values.
struct RowNormJob {
    float* x = nullptr; // rows of n floats, n apart (the residual stream)
    size_t n_rows = 0;
    size_t n = 0;
    // Before normalizing: x[t] += Σ_s weights[t·k + s] · mix[(t·k + s)·n …]
    // (the expert outputs of the previous MoE layer), when mix is set.
    const float* mix = nullptr;
    const float* mix_weights = nullptr;
    size_t mix_k = 0;
    // y = x / rms(x) · weight (no weight: y = x unscaled by a norm: `norm` false).
    bool norm = true;
    const float* weight = nullptr;
    float eps = 1e-5f;
    // Encodings of y; each may be null.
    float* out_f32 = nullptr;    // rows of n floats
    uint8_t* out_int8 = nullptr; // rows of int8_row_bytes(n) bytes (n a multiple of 32)
    __half* out_f16 = nullptr;   // rows of f16_stride halves
    size_t f16_stride = 0;
    // The float16 rows carry y rounded to the int8 grid of each 32 values
    // (code × step, the values the int8 encoding stands for): the batched
    // path then multiplies the activations the decode path, the CPU engine
    // and the reference see, not finer ones (whose differences flip greedy
    // decoding of quantized models).
    bool f16_int8_grid = false;
};

void normalize_rows(const RowNormJob& job, cudaStream_t stream);

// dst[list[i]] = src row i for i < count, rows of n floats (CPU experts'
// outputs put where the device's own would be); add: dst[list[i]] += it (the
// CPU part of a split expert).
void scatter_rows(const float* src, const uint32_t* list, size_t count, size_t n, float* dst,
                  cudaStream_t stream, bool add = false);

// x[t] = dequantized row tokens[t] of `table` for t < n_tokens (tokens in
// device memory, already checked to be in range).
void embed_rows(const DeviceMatrix& table, const int32_t* tokens, size_t n_tokens, float* x,
                cudaStream_t stream);

// out[r] = row first_row + r of `m` as floats, exactly as quant::dequantize_row.
void dequantize_rows(const DeviceMatrix& m, size_t first_row, size_t n_rows, float* out,
                     cudaStream_t stream);

} // namespace hoard::backend::cuda
