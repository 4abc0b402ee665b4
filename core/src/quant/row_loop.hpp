#pragma once
// Drives a single-row dot product over a block of rows and activations. The
// rows are walked in small tiles so that a tile stays in L1/L2 while every
// activation passes over it (prefill), and stream once for one activation
// (decode). Internal linkage only: each ISA file instantiates its own copy.
#include <cstddef>
#include <cstdint>

namespace hoard::quant {

using RowDotFn = float (*)(const uint8_t* w_row, const uint8_t* act, size_t n);

template <RowDotFn Dot>
static inline void matmul_by_rows(const uint8_t* w, size_t row_stride, size_t n_rows, size_t n,
                                  const uint8_t* act, size_t act_stride, size_t n_cols, float* out,
                                  size_t out_stride) {
    constexpr size_t kRowTile = 16;
    for (size_t r0 = 0; r0 < n_rows; r0 += kRowTile) {
        const size_t r1 = r0 + kRowTile < n_rows ? r0 + kRowTile : n_rows;
        for (size_t c = 0; c < n_cols; ++c) {
            const uint8_t* a = act + c * act_stride;
            for (size_t r = r0; r < r1; ++r)
                out[r * out_stride + c] = Dot(w + r * row_stride, a, n);
        }
    }
}

} // namespace hoard::quant
