#pragma once
// Dequantization and dot-product kernels for every computable BlockFormat.
//
// A matrix-vector product W·x works in two steps: the activation x is first
// encoded once into the form the weight format's kernel wants (int8 blocks for
// quantized weights, float for f32/f16/bf16), then each weight row is dotted
// with it. Kernels are single-threaded; callers split rows across threads.
// The implementation is chosen at run time (scalar, AVX2, AVX-512).
#include "quant/block_format.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hoard::quant {

enum class Isa { Scalar, Avx2, Avx512 };

Isa best_supported_isa();                 // what this CPU can run
Isa active_isa();                         // what the kernels use now
void set_active_isa(Isa isa);             // for tests and benchmarks; must be supported
bool isa_supported(Isa isa);
std::string_view isa_name(Isa isa);

// n values from `src` (n a multiple of the format's block size) into floats.
void dequantize_row(BlockFormat format, const void* src, float* dst, size_t n);

// Encodes n floats into `format` (reference quantizers; used by the GGUF
// writer's synthetic models and the low-precision expert copies).
void quantize_row(BlockFormat format, const float* src, void* dst, size_t n);

// Bytes needed to hold an activation of n values encoded for weights of `format`.
size_t activation_bytes(BlockFormat weight_format, size_t n);

// Encodes activation x (n values) for dot products with rows of `weight_format`.
void encode_activation(BlockFormat weight_format, const float* x, size_t n, void* act);

// out[r * out_stride + c] = dot(row r of W, activation c) for r < n_rows, c < n_cols.
// W rows are `row_stride` bytes apart; activations `act_stride` bytes apart.
void matmul(BlockFormat weight_format, const void* w, size_t row_stride, size_t n_rows, size_t n,
            const void* act, size_t act_stride, size_t n_cols, float* out, size_t out_stride);

// The same with an explicit implementation, so tests can compare paths.
void matmul_with(Isa isa, BlockFormat weight_format, const void* w, size_t row_stride,
                 size_t n_rows, size_t n, const void* act, size_t act_stride, size_t n_cols,
                 float* out, size_t out_stride);

// fp16 / bf16 scalar conversions (exact, round-to-nearest-even on the way in).
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);

} // namespace hoard::quant
