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

namespace hoard::quant {

// The same walk for kernels that take up to four activations at once:
// Kernel::dot<C>(w_row, act, act_stride, n, out) writes C results to out[0..C).
// Each weight block is unpacked once and used for C activations, which is
// what makes prefill (many activations per row) compute-efficient.
template <class Kernel>
static inline void matmul_by_rows_multi(const uint8_t* w, size_t row_stride, size_t n_rows,
                                        size_t n, const uint8_t* act, size_t act_stride,
                                        size_t n_cols, float* out, size_t out_stride) {
    constexpr size_t kRowTile = 16;
    for (size_t r0 = 0; r0 < n_rows; r0 += kRowTile) {
        const size_t r1 = r0 + kRowTile < n_rows ? r0 + kRowTile : n_rows;
        for (size_t c = 0; c < n_cols; c += 4) {
            const uint8_t* a = act + c * act_stride;
            const size_t cols = n_cols - c < 4 ? n_cols - c : 4;
            for (size_t r = r0; r < r1; ++r) {
                const uint8_t* row = w + r * row_stride;
                float* o = out + r * out_stride + c;
                switch (cols) {
                case 4:
                    Kernel::template dot<4>(row, a, act_stride, n, o);
                    break;
                case 3:
                    Kernel::template dot<3>(row, a, act_stride, n, o);
                    break;
                case 2:
                    Kernel::template dot<2>(row, a, act_stride, n, o);
                    break;
                default:
                    Kernel::template dot<1>(row, a, act_stride, n, o);
                    break;
                }
            }
        }
    }
}

} // namespace hoard::quant
