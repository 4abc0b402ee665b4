#include "quant_test_data.hpp"

#include "quant/block_layout.hpp"

#include <cstring>
#include <iterator>

namespace quant_test {

using namespace hoard::quant;

const std::array<BlockFormat, 13> kComputable = {
    BlockFormat::F32,  BlockFormat::F16,  BlockFormat::BF16, BlockFormat::Q4_0, BlockFormat::Q4_1,
    BlockFormat::Q5_0, BlockFormat::Q5_1, BlockFormat::Q8_0, BlockFormat::Q2_K, BlockFormat::Q3_K,
    BlockFormat::Q4_K, BlockFormat::Q5_K, BlockFormat::Q6_K,
};

bool is_float_format(BlockFormat f) {
    return f == BlockFormat::F32 || f == BlockFormat::F16 || f == BlockFormat::BF16;
}

float f32_from(const uint8_t* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Random bytes for a quantized matrix, with every f16 scale field replaced by
// a sane random value (random bits there would be NaN or huge). All code bits,
// group scales and minimums stay random, so every bit pattern is exercised.
std::vector<uint8_t> random_weights(BlockFormat f, size_t n_rows, size_t row_stride, size_t n,
                                    std::mt19937& rng) {
    std::vector<uint8_t> w(n_rows * row_stride);
    std::uniform_int_distribution<int> byte(0, 255);
    for (uint8_t& b : w) b = static_cast<uint8_t>(byte(rng));
    std::uniform_real_distribution<float> mag(0.01f, 0.5f);
    std::uniform_int_distribution<int> coin(0, 1);
    const auto scale = [&](uint8_t* p) {
        const float v = mag(rng) * (coin(rng) ? 1.0f : -1.0f);
        layout::store_u16(p, fp32_to_fp16(v));
    };
    const FormatInfo& info = format_info(f);
    for (size_t r = 0; r < n_rows; ++r) {
        uint8_t* row = w.data() + r * row_stride;
        if (is_float_format(f)) {
            std::normal_distribution<float> gauss(0.0f, 1.0f);
            for (size_t i = 0; i < n; ++i) {
                const float v = gauss(rng);
                if (f == BlockFormat::F32)
                    std::memcpy(row + 4 * i, &v, 4);
                else if (f == BlockFormat::F16)
                    layout::store_u16(row + 2 * i, fp32_to_fp16(v));
                else
                    layout::store_u16(row + 2 * i, fp32_to_bf16(v));
            }
            continue;
        }
        for (size_t blk = 0; blk < n / info.block_elems; ++blk) {
            uint8_t* b = row + blk * info.block_bytes;
            switch (f) {
            case BlockFormat::Q4_0:
                scale(b + layout::q4_0::kD);
                break;
            case BlockFormat::Q4_1:
                scale(b + layout::q4_1::kD), scale(b + layout::q4_1::kM);
                break;
            case BlockFormat::Q5_0:
                scale(b + layout::q5_0::kD);
                break;
            case BlockFormat::Q5_1:
                scale(b + layout::q5_1::kD), scale(b + layout::q5_1::kM);
                break;
            case BlockFormat::Q8_0:
                scale(b + layout::q8_0::kD);
                break;
            case BlockFormat::Q2_K:
                scale(b + layout::q2_k::kD), scale(b + layout::q2_k::kDmin);
                break;
            case BlockFormat::Q3_K:
                scale(b + layout::q3_k::kD);
                break;
            case BlockFormat::Q4_K:
                scale(b + layout::q4_k::kD), scale(b + layout::q4_k::kDmin);
                break;
            case BlockFormat::Q5_K:
                scale(b + layout::q5_k::kD), scale(b + layout::q5_k::kDmin);
                break;
            case BlockFormat::Q6_K:
                scale(b + layout::q6_k::kD);
                break;
            default:
                break;
            }
        }
    }
    return w;
}

// Activations with a spread of magnitudes: Gaussian, some outliers, a zero block.
std::vector<float> random_activation(size_t n, std::mt19937& rng) {
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<float> x(n);
    for (float& v : x) v = gauss(rng) * (pick(rng) == 0 ? 20.0f : 1.0f);
    if (n >= 64)
        for (size_t i = 32; i < 64; ++i) x[i] = 0.0f;
    return x;
}

// The activation values an encoded activation stands for, and the largest
// rounding error of each (half a step; 0 for float activations).
void decode_activation(BlockFormat f, const uint8_t* act, size_t n, std::vector<double>& values,
                       std::vector<double>& half_step) {
    values.assign(n, 0.0);
    half_step.assign(n, 0.0);
    if (is_float_format(f)) {
        for (size_t i = 0; i < n; ++i) values[i] = f32_from(act + 4 * i);
        return;
    }
    const size_t block = format_info(f).block_elems;
    const size_t scales_at =
        block == 256 ? layout::act256::scales_offset(n) : layout::act32::scales_offset(n);
    for (size_t i = 0; i < n; ++i) {
        const double d = f32_from(act + scales_at + 4 * (i / block));
        values[i] = d * static_cast<int8_t>(act[i]);
        half_step[i] = 0.5 * d;
    }
}

const std::array<Shape, 7> kShapes = {
    {{1, 1, 1}, {3, 2, 2}, {17, 3, 5}, {3, 11, 1}, {17, 1, 2}, {1, 11, 5}, {3, 2, 7}}};

size_t row_values(BlockFormat f, size_t n_blocks) {
    // Float formats: a "block" of 1 is too small to reach the vector loops, so
    // also use lengths around the vector widths.
    if (is_float_format(f)) {
        static const size_t kFloatLengths[] = {0, 1, 2, 3, 33, 0, 0, 0, 0, 0, 0, 1000};
        return n_blocks < std::size(kFloatLengths) && kFloatLengths[n_blocks]
                   ? kFloatLengths[n_blocks]
                   : 17 * n_blocks;
    }
    return format_info(f).block_elems * n_blocks;
}

Problem::Problem(BlockFormat f, const Shape& s, std::mt19937& rng)
    : format(f), n_rows(s.n_rows), n(row_values(f, s.n_blocks)), n_cols(s.n_cols) {
    row_stride = row_bytes(f, n) + 6; // padded and not a multiple of any vector width
    act_stride = activation_bytes(f, n) + 64;
    out_stride = n_cols + 3;
    w = random_weights(f, n_rows, row_stride, n, rng);
    act.assign(act_stride * n_cols, 0xcd);
    for (size_t c = 0; c < n_cols; ++c) {
        x.push_back(random_activation(n, rng));
        encode_activation(f, x.back().data(), n, act.data() + c * act_stride);
    }
}

std::vector<float> Problem::run(Isa isa) const {
    std::vector<float> out(n_rows * out_stride, -12345.0f);
    matmul_with(isa, format, w.data(), row_stride, n_rows, n, act.data(), act_stride, n_cols,
                out.data(), out_stride);
    return out;
}

} // namespace quant_test
