#include "backend/cpu/matmul.hpp"

#include "quant/kernels.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hoard::backend::cpu {
namespace {

// Below this many multiply-adds a product runs on the calling thread: waking
// workers would cost more than it saves.
constexpr size_t kMinParallelWork = size_t(1) << 16;
// Rows are handed to threads in multiples of this, so a thread's part starts
// on a cache-line-friendly boundary for every block format.
constexpr size_t kRowGranule = 16;
// Rows computed per kernel call when several columns need transposing.
constexpr size_t kTileRows = 32;

constexpr size_t round_up(size_t v, size_t to) {
    return (v + to - 1) / to * to;
}

} // namespace

void ActivationBatch::reset(const float* x, size_t n, size_t n_cols, size_t x_stride) {
    x_ = x;
    n_ = n;
    n_cols_ = n_cols;
    x_stride_ = x_stride;
    for (Slot& slot : slots_) slot.valid = false;
}

ActivationBatch::Encoded ActivationBatch::encoded(quant::BlockFormat format, ThreadPool& pool) {
    Slot* slot = nullptr;
    for (Slot& s : slots_)
        if (s.format == format) slot = &s;
    if (slot == nullptr) {
        slots_.push_back(Slot{format});
        slot = &slots_.back();
    }
    if (!slot->valid) {
        slot->stride = round_up(quant::activation_bytes(format, n_), 64);
        if (slot->bytes.size() < slot->stride * n_cols_) slot->bytes.resize(slot->stride * n_cols_);
        auto encode = [&](size_t begin, size_t end) {
            for (size_t c = begin; c < end; ++c)
                quant::encode_activation(format, x_ + c * x_stride_, n_,
                                         slot->bytes.data() + c * slot->stride);
        };
        if (n_cols_ > 1 && n_ * n_cols_ >= 4096)
            pool.parallel_for(n_cols_, encode);
        else
            encode(0, n_cols_);
        slot->valid = true;
    }
    return Encoded{slot->bytes.data(), slot->stride};
}

float* ActivationBatch::tile_scratch(size_t chunks, size_t count) {
    if (tiles_.size() < chunks * count) tiles_.resize(chunks * count);
    return tiles_.data();
}

void matmul(ThreadPool& pool, const MatrixView& w, ActivationBatch& x, float* out,
            size_t out_stride) {
    if (w.row_length != x.length())
        throw std::invalid_argument("matmul: weight rows hold " + std::to_string(w.row_length) +
                                    " values but the activations " + std::to_string(x.length()));
    const size_t n_cols = x.n_cols();
    if (w.n_rows == 0 || n_cols == 0) return;
    const ActivationBatch::Encoded act = x.encoded(w.format, pool);
    const size_t n = w.row_length;

    const size_t n_blocks = (w.n_rows + kRowGranule - 1) / kRowGranule;
    const bool parallel = w.n_rows * n * n_cols >= kMinParallelWork;
    const size_t n_chunks = parallel ? std::min(pool.size(), n_blocks) : 1;
    // One tile per possible chunk index (a nested call may run as any chunk).
    float* tiles = n_cols > 1 ? x.tile_scratch(pool.size(), kTileRows * n_cols) : nullptr;

    auto run = [&](size_t chunk, size_t block_begin, size_t block_end) {
        const size_t row_begin = block_begin * kRowGranule;
        const size_t row_end = std::min(block_end * kRowGranule, w.n_rows);
        if (n_cols == 1) {
            quant::matmul(w.format, w.row(row_begin), w.row_stride, row_end - row_begin, n,
                          act.data, act.stride, 1, out + row_begin, 1);
            return;
        }
        // The kernel writes one row of outputs per weight row; callers want one
        // vector per column, so compute a tile and transpose it into place.
        float* tile = tiles + chunk * kTileRows * n_cols;
        for (size_t r0 = row_begin; r0 < row_end; r0 += kTileRows) {
            const size_t rows = std::min(kTileRows, row_end - r0);
            quant::matmul(w.format, w.row(r0), w.row_stride, rows, n, act.data, act.stride, n_cols,
                          tile, n_cols);
            for (size_t c = 0; c < n_cols; ++c) {
                float* dst = out + c * out_stride + r0;
                for (size_t r = 0; r < rows; ++r) dst[r] = tile[r * n_cols + c];
            }
        }
    };
    if (n_chunks == 1)
        run(0, 0, n_blocks);
    else
        pool.parallel_for_chunks(n_blocks, run);
}

void matvec(ThreadPool& pool, const MatrixView& w, const float* x, float* out) {
    ActivationBatch batch;
    batch.reset(x, w.row_length, 1, w.row_length);
    matmul(pool, w, batch, out, w.n_rows);
}

} // namespace hoard::backend::cpu
