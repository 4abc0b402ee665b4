#pragma once
// Random matrices and activations for the kernel tests, and the float values
// an encoded activation stands for.
#include "quant/kernels.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace quant_test {

using hoard::quant::BlockFormat;
using hoard::quant::Isa;

extern const std::array<BlockFormat, 13> kComputable;

bool is_float_format(BlockFormat f);
float f32_from(const uint8_t* p);

// Random bytes for a quantized matrix with sane f16 scale fields (every code
// bit, group scale and minimum stays random); Gaussian values for float formats.
std::vector<uint8_t> random_weights(BlockFormat f, size_t n_rows, size_t row_stride, size_t n,
                                    std::mt19937& rng);

// Activations with a spread of magnitudes: Gaussian, some outliers, a zero block.
std::vector<float> random_activation(size_t n, std::mt19937& rng);

// The values an encoded activation stands for, and each one's largest
// rounding error (half a step; 0 for float activations).
void decode_activation(BlockFormat f, const uint8_t* act, size_t n, std::vector<double>& values,
                       std::vector<double>& half_step);

struct Shape {
    size_t n_rows, n_blocks, n_cols;
};
extern const std::array<Shape, 7> kShapes;

// Values per row for a shape: n_blocks blocks (float formats: lengths around
// the vector widths, since their blocks hold one value).
size_t row_values(BlockFormat f, size_t n_blocks);

// A matmul problem with padded strides: rows, activations (raw and encoded).
struct Problem {
    BlockFormat format;
    size_t n_rows, n, n_cols;
    size_t row_stride, act_stride, out_stride;
    std::vector<uint8_t> w;
    std::vector<std::vector<float>> x;
    std::vector<uint8_t> act;

    Problem(BlockFormat f, const Shape& s, std::mt19937& rng);
    std::vector<float> run(Isa isa) const;
};

} // namespace quant_test
