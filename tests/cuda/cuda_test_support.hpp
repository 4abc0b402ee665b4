#pragma once
// Helpers of the CUDA tests: device arrays under a test budget, random
// weights in every block format, and error bounds of the kernels' arithmetic.
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_matrix.hpp"
#include "backend/cuda/device_memory.hpp"
#include "quant/block_format.hpp"
#include "quant/kernels.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace hoard::test::cuda {

using namespace hoard::backend::cuda;
using quant::BlockFormat;

// Every test allocates from this: 8 GiB is far more than any kernel test needs.
inline DeviceMemory& test_memory() {
    static DeviceMemory memory(size_t(8) << 30);
    return memory;
}

template <class T> DeviceBuffer to_device(const std::vector<T>& host, size_t slack = kReadSlack) {
    DeviceBuffer b = test_memory().allocate(host.size() * sizeof(T) + slack, "test data");
    check_cuda(cudaMemcpy(b.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice),
               "test upload");
    return b;
}

template <class T> std::vector<T> from_device(const void* device, size_t count) {
    std::vector<T> host(count);
    check_cuda(cudaDeviceSynchronize(), "test kernels");
    check_cuda(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost),
               "test download");
    return host;
}

// A device buffer of `count` T filled with a pattern no kernel writes, so
// unwritten outputs show up.
template <class T> DeviceBuffer poisoned(size_t count) {
    DeviceBuffer b = test_memory().allocate(count * sizeof(T) + kReadSlack, "test output");
    check_cuda(cudaMemset(b.data(), 0x7f, count * sizeof(T)), "poisoning");
    return b;
}

inline const std::vector<BlockFormat>& all_formats() {
    static const std::vector<BlockFormat> formats = {
        BlockFormat::F32,  BlockFormat::F16,  BlockFormat::BF16, BlockFormat::Q4_0,
        BlockFormat::Q4_1, BlockFormat::Q5_0, BlockFormat::Q5_1, BlockFormat::Q8_0,
        BlockFormat::Q2_K, BlockFormat::Q3_K, BlockFormat::Q4_K, BlockFormat::Q5_K,
        BlockFormat::Q6_K};
    return formats;
}

inline std::vector<float> random_floats(size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// A row length that is a whole number of blocks, not a power of two, with
// several blocks: exercises tails of the kernels' loops.
inline size_t odd_row_length(BlockFormat f) {
    switch (quant::format_info(f).block_elems) {
    case 1:
        return 333;
    case 32:
        return 32 * 11;
    default:
        return 256 * 3;
    }
}

// Random weights: n_rows rows of row_length values in format f, as the file
// would hold them (row_stride bytes apart), and their exact float values.
struct HostMatrix {
    BlockFormat format;
    size_t n_rows = 0, row_length = 0, row_stride = 0;
    std::vector<uint8_t> bytes;
    std::vector<float> values; // dequantize_row of each row

    float value(size_t r, size_t i) const { return values[r * row_length + i]; }
};

inline HostMatrix random_matrix(BlockFormat f, size_t n_rows, size_t row_length,
                                std::mt19937& rng) {
    HostMatrix m;
    m.format = f;
    m.n_rows = n_rows;
    m.row_length = row_length;
    m.row_stride = quant::row_bytes(f, row_length);
    m.bytes.resize(n_rows * m.row_stride);
    m.values.resize(n_rows * row_length);
    for (size_t r = 0; r < n_rows; ++r) {
        // Rows of different magnitude, and an offset, so that mins matter.
        const float scale = 0.02f * float(1 + r % 5);
        std::vector<float> src = random_floats(row_length, rng, scale);
        for (float& x : src) x += 0.3f * scale;
        uint8_t* dst = m.bytes.data() + r * m.row_stride;
        if (f == BlockFormat::F32) {
            std::memcpy(dst, src.data(), row_length * sizeof(float));
        } else if (f == BlockFormat::F16 || f == BlockFormat::BF16) {
            for (size_t i = 0; i < row_length; ++i) {
                const uint16_t h = f == BlockFormat::F16 ? quant::fp32_to_fp16(src[i])
                                                         : quant::fp32_to_bf16(src[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
        } else {
            quant::quantize_row(f, src.data(), dst, row_length);
        }
        quant::dequantize_row(f, dst, m.values.data() + r * row_length, row_length);
    }
    return m;
}

inline DeviceMatrix on_device(const HostMatrix& m, const DeviceBuffer& b, size_t count = 1) {
    DeviceMatrix d;
    d.format = m.format;
    d.data = b.as<uint8_t>();
    d.n_rows = m.n_rows;
    d.row_length = m.row_length;
    d.row_stride = m.row_stride;
    d.matrix_stride = m.n_rows * m.row_stride;
    d.count = count;
    return d;
}

// The int8 activation encoding's steps (per 32 values), as the GPU forms them.
inline std::vector<float> int8_steps(const float* x, size_t n) {
    std::vector<float> d(n / 32);
    for (size_t b = 0; b < n / 32; ++b) {
        float amax = 0.0f;
        for (size_t i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[32 * b + i]));
        d[b] = amax / 127.0f;
    }
    return d;
}

inline float half_round(float v) {
    return quant::fp16_to_fp32(quant::fp32_to_fp16(v));
}

} // namespace hoard::test::cuda
