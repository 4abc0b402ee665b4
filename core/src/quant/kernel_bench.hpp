#pragma once
// Micro-benchmarks behind `hoard bench`: matrix-vector kernel throughput per
// format and ISA, and the streaming memory bandwidth that bounds it.
#include "quant/block_format.hpp"
#include "quant/kernels.hpp"

#include <cstddef>

namespace hoard::quant {

struct KernelThroughput {
    BlockFormat format;
    Isa isa;
    unsigned threads;
    size_t n_cols;
    size_t row_length;
    size_t n_rows;
    size_t matrix_bytes;     // weight bytes read per pass
    double seconds_per_pass; // one full product (all rows, all n_cols activations)
    double weight_gb_per_s;  // matrix_bytes / seconds_per_pass, in 1e9 bytes/s
    double gflops;           // 2 * n_rows * row_length * n_cols / seconds_per_pass / 1e9
};

// Times matmul_with(isa, ...) over a weight matrix of about `matrix_bytes`
// (rows of `row_length` values; choose it larger than the last-level cache to
// measure the memory-bound case), against n_cols activations, rows split
// evenly over `threads` threads. Repeats passes for at least `min_seconds` and
// reports the fastest.
// Throws hoard::Error for a format without kernels or an unsupported ISA.
KernelThroughput measure_matmul_throughput(BlockFormat format, Isa isa, size_t n_cols = 1,
                                           unsigned threads = 1,
                                           size_t matrix_bytes = size_t{1} << 30,
                                           size_t row_length = 4096, double min_seconds = 1.0);

struct MemoryBandwidth {
    unsigned threads;
    size_t buffer_bytes;
    double gb_per_s; // bytes read per second, in 1e9 bytes/s
};

// Streams reads over a `buffer_bytes` buffer split across `threads` threads
// (each reads its own slice, as matmul row ranges do) for at least `min_seconds`;
// reports the fastest pass.
MemoryBandwidth measure_memory_bandwidth(unsigned threads, size_t buffer_bytes = size_t{1} << 30,
                                         double min_seconds = 1.0);

} // namespace hoard::quant
