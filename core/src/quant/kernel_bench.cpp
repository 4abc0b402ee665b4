#include "quant/kernel_bench.hpp"

#include "hoard/error.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hoard::quant {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPrefetchBytes = 2048; // as the kernels do

struct AlignedFree {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{64}); }
};
using Buffer = std::unique_ptr<uint8_t[], AlignedFree>;

Buffer allocate(size_t bytes) {
    return Buffer(static_cast<uint8_t*>(::operator new[](bytes, std::align_val_t{64})));
}

size_t round_up(size_t v, size_t m) {
    return (v + m - 1) / m * m;
}

// Runs work(t) on `threads` threads (the caller is thread 0) and returns the
// wall time from a common start to the last finish.
double run_parallel(unsigned threads, const std::function<void(unsigned)>& work) {
    std::atomic<unsigned> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) {
        pool.emplace_back([&, t] {
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            work(t);
        });
    }
    while (ready.load() + 1 < threads) std::this_thread::yield();
    const auto start = Clock::now();
    go.store(true, std::memory_order_release);
    work(0);
    for (std::thread& th : pool) th.join();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Repeats `pass` (which runs `threads` threads itself) until min_seconds have
// passed and returns the fastest pass: on a shared machine the fastest pass is
// the best estimate of what the hardware can do. The first pass is a warm-up.
double time_passes(const std::function<double()>& pass, double min_seconds) {
    pass();
    double total = 0.0, fastest = INFINITY;
    do {
        const double seconds = pass();
        total += seconds;
        fastest = std::min(fastest, seconds);
    } while (total < min_seconds);
    return fastest;
}

// Reads `bytes` (a multiple of 64) once, as the kernels do: one cache line at
// a time with a software prefetch ahead (the hardware prefetcher alone stops at
// page boundaries and underestimates what the memory system can deliver).
uint64_t sum_lines(const uint8_t* p, size_t bytes) {
    uint64_t s[8] = {};
    for (size_t line = 0; line < bytes; line += 64) {
        __builtin_prefetch(p + line + kPrefetchBytes);
        for (size_t k = 0; k < 8; ++k) {
            uint64_t v;
            std::memcpy(&v, p + line + 8 * k, sizeof v);
            s[k] += v;
        }
    }
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

} // namespace

KernelThroughput measure_matmul_throughput(BlockFormat format, Isa isa, size_t n_cols,
                                           unsigned threads, size_t matrix_bytes, size_t row_length,
                                           double min_seconds) {
    const FormatInfo& info = format_info(format);
    if (!info.computable) throw Error("no kernels for " + std::string(info.name));
    if (!isa_supported(isa)) throw Error("this CPU cannot run " + std::string(isa_name(isa)));
    threads = std::max(1u, threads);
    n_cols = std::max<size_t>(1, n_cols);
    row_length = round_up(std::max<size_t>(row_length, 1), info.block_elems);
    const size_t row_size = row_bytes(format, row_length);
    const size_t n_rows = std::max<size_t>(threads, matrix_bytes / row_size);

    // A pool of quantized rows from Gaussian values, repeated over the matrix
    // (quantizing a whole gigabyte would take longer than the measurement).
    std::mt19937 rng(1234);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    constexpr size_t kPoolRows = 64;
    std::vector<float> values(row_length);
    std::vector<uint8_t> pool(kPoolRows * row_size);
    for (size_t r = 0; r < kPoolRows; ++r) {
        for (float& v : values) v = gauss(rng);
        quantize_row(format, values.data(), pool.data() + r * row_size, row_length);
    }
    Buffer matrix = allocate(n_rows * row_size);
    for (size_t r = 0; r < n_rows; ++r)
        std::memcpy(matrix.get() + r * row_size, pool.data() + (r % kPoolRows) * row_size,
                    row_size);

    const size_t act_stride = round_up(activation_bytes(format, row_length), 64);
    Buffer act = allocate(act_stride * n_cols);
    for (size_t c = 0; c < n_cols; ++c) {
        for (float& v : values) v = gauss(rng);
        encode_activation(format, values.data(), row_length, act.get() + c * act_stride);
    }
    std::vector<float> out(n_rows * n_cols);

    const auto pass = [&] {
        return run_parallel(threads, [&](unsigned t) {
            const size_t begin = n_rows * t / threads, end = n_rows * (t + 1) / threads;
            matmul_with(isa, format, matrix.get() + begin * row_size, row_size, end - begin,
                        row_length, act.get(), act_stride, n_cols, out.data() + begin * n_cols,
                        n_cols);
        });
    };
    const double seconds = time_passes(pass, min_seconds);

    KernelThroughput result{};
    result.format = format;
    result.isa = isa;
    result.threads = threads;
    result.n_cols = n_cols;
    result.row_length = row_length;
    result.n_rows = n_rows;
    result.matrix_bytes = n_rows * row_size;
    result.seconds_per_pass = seconds;
    result.weight_gb_per_s = static_cast<double>(result.matrix_bytes) / seconds / 1e9;
    result.gflops = 2.0 * static_cast<double>(n_rows) * static_cast<double>(row_length) *
                    static_cast<double>(n_cols) / seconds / 1e9;
    return result;
}

MemoryBandwidth measure_memory_bandwidth(unsigned threads, size_t buffer_bytes,
                                         double min_seconds) {
    threads = std::max(1u, threads);
    buffer_bytes = round_up(std::max<size_t>(buffer_bytes, 64 * threads), 64 * threads);
    Buffer buffer = allocate(buffer_bytes);
    std::memset(buffer.get(), 1, buffer_bytes); // fault every page in before timing

    std::vector<uint64_t> sinks(threads * 8); // one cache line per thread
    const size_t slice = buffer_bytes / threads;
    const auto pass = [&] {
        return run_parallel(threads, [&](unsigned t) {
            sinks[8 * t] += sum_lines(buffer.get() + t * slice, slice);
        });
    };
    const double seconds = time_passes(pass, min_seconds);
    volatile uint64_t keep = 0;
    for (uint64_t s : sinks) keep = keep + s;

    return MemoryBandwidth{threads, buffer_bytes,
                           static_cast<double>(buffer_bytes) / seconds / 1e9};
}

} // namespace hoard::quant
