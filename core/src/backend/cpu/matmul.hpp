#pragma once
// Threaded matrix products over weights in any computable block format.
//
// Activations are encoded once per weight format (ActivationBatch caches the
// encodings, so Q, K and V of one layer share them when their formats agree),
// then weight rows are split into contiguous runs, one per thread, so every
// thread streams its own part of the weight memory exactly once per call.
#include "backend/cpu/thread_pool.hpp"
#include "quant/block_format.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::backend::cpu {

// A row-major weight matrix in place (usually inside a mapped model file):
// n_rows rows of row_length values, row_stride bytes apart.
struct MatrixView {
    quant::BlockFormat format = quant::BlockFormat::F32;
    const uint8_t* data = nullptr;
    size_t n_rows = 0;
    size_t row_length = 0;
    size_t row_stride = 0;

    bool empty() const { return data == nullptr; }
    const uint8_t* row(size_t r) const { return data + r * row_stride; }
    // Rows [first, first + count) as a matrix of their own.
    MatrixView rows(size_t first, size_t count) const {
        return MatrixView{format, row(first), count, row_length, row_stride};
    }
};

// n_cols activation vectors of length n (row_stride floats apart), encoded
// lazily for each weight format they are multiplied with. Buffers are kept
// between uses, so steady-state decoding allocates nothing.
class ActivationBatch {
  public:
    // Points at new activations; forgets earlier encodings. `x` must stay valid
    // and unchanged while the batch is used.
    void reset(const float* x, size_t n, size_t n_cols, size_t x_stride);

    size_t length() const { return n_; }
    size_t n_cols() const { return n_cols_; }

    struct Encoded {
        const void* data;
        size_t stride; // bytes between columns
    };
    Encoded encoded(quant::BlockFormat format, ThreadPool& pool);

    // Scratch for matmul's transposed tiles: `count` floats per pool chunk.
    float* tile_scratch(size_t chunks, size_t count);

  private:
    struct Slot {
        quant::BlockFormat format;
        bool valid = false;
        size_t stride = 0;
        std::vector<uint8_t> bytes;
    };
    const float* x_ = nullptr;
    size_t n_ = 0;
    size_t n_cols_ = 0;
    size_t x_stride_ = 0;
    std::vector<Slot> slots_;
    std::vector<float> tiles_;
};

// out[c * out_stride + r] = dot(row r of w, column c of x) for every weight row
// r and column c: one output vector per activation column.
void matmul(ThreadPool& pool, const MatrixView& w, ActivationBatch& x, float* out,
            size_t out_stride);

// The same for a single vector x of w.row_length values (a convenience for
// tests and cold paths; allocates).
void matvec(ThreadPool& pool, const MatrixView& w, const float* x, float* out);

} // namespace hoard::backend::cpu
