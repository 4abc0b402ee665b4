#pragma once
// Weight matrices and encoded activations as the CUDA kernels see them.
#include "quant/block_format.hpp"

#include <cstddef>
#include <cstdint>

#ifdef __CUDACC__
#define HOARD_HOST_DEVICE __host__ __device__
#else
#define HOARD_HOST_DEVICE
#endif

namespace hoard::backend::cuda {

// A row-major weight matrix in device memory with the rows exactly as in the
// GGUF file: n_rows rows of row_length values, row_stride bytes apart. A stack
// of `count` such matrices (the experts of one layer) lies `matrix_stride`
// bytes apart. Rows start at even addresses, the first at a 16-byte boundary,
// and the allocation extends at least kReadSlack bytes past the last row.
struct DeviceMatrix {
    quant::BlockFormat format = quant::BlockFormat::F32;
    const uint8_t* data = nullptr;
    size_t n_rows = 0;
    size_t row_length = 0;
    size_t row_stride = 0;
    size_t matrix_stride = 0;
    size_t count = 1;

    bool empty() const { return data == nullptr; }
    size_t matrix_bytes() const { return n_rows * row_stride; }
    // Matrix i of the stack as a matrix of its own.
    DeviceMatrix at(size_t i) const {
        DeviceMatrix m = *this;
        m.data = data + i * matrix_stride;
        m.count = 1;
        return m;
    }
};

// Kernels read whole 16-byte words around the rows they need.
inline constexpr size_t kReadSlack = 64;

HOARD_HOST_DEVICE inline constexpr size_t round_up(size_t v, size_t to) {
    return (v + to - 1) / to * to;
}

// Quantized weights take int8 activations: per row of n values (n a multiple
// of 32), int8 q[n] then float d[n / 32] (the step of each 32 values), the
// two parts 16-byte aligned. Float weights take float activations.
HOARD_HOST_DEVICE inline constexpr size_t int8_scales_offset(size_t n) {
    return round_up(n, 16);
}
HOARD_HOST_DEVICE inline constexpr size_t int8_row_bytes(size_t n) {
    return int8_scales_offset(n) + round_up(n / 32 * sizeof(float), 16);
}

// Whether a weight format multiplies int8 activations (else float ones).
inline bool takes_int8_activations(quant::BlockFormat f) {
    return f != quant::BlockFormat::F32 && f != quant::BlockFormat::F16 &&
           f != quant::BlockFormat::BF16;
}

} // namespace hoard::backend::cuda
