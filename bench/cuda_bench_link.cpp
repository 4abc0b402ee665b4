// hoard_cuda_bench link: the host → device link from page-locked memory, for
// whole expert copies (one contiguous block) and for column ranges of a
// matrix (one run of bytes per row, cudaMemcpy2DAsync): what a split expert's
// device part costs to move (its down projection's columns are strided).
#include "cuda_bench.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"

#include <cstdio>
#include <cstring>

namespace hoard::bench {

using namespace backend::cuda;

int run_link() {
    const size_t bytes = size_t(512) << 20;
    PinnedBuffer host(bytes);
    std::memset(host.data(), 1, bytes);
    DeviceMemory memory(bytes + (size_t(64) << 20));
    DeviceBuffer dev = memory.allocate(bytes, "link target");
    Stream s;
    std::printf("%-44s %10s %10s\n", "copy", "ms", "GB/s");
    auto report = [](const char* what, double moved, double ms) {
        std::printf("%-44s %10.3f %10.1f\n", what, ms, moved / (ms * 1e-3) / 1e9);
        std::fflush(stdout);
    };
    for (size_t chunk : {size_t(512) << 20, size_t(110) << 20, size_t(16) << 20}) {
        const double ms = time_ms(
            [&](cudaStream_t st) {
                for (size_t at = 0; at + chunk <= bytes; at += chunk)
                    check_cuda(cudaMemcpyAsync(dev.as<uint8_t>() + at, host.as<uint8_t>() + at,
                                               chunk, cudaMemcpyHostToDevice, st),
                               "copy");
            },
            5, s.get());
        char what[64];
        std::snprintf(what, sizeof what, "contiguous, %zu MiB copies", chunk >> 20);
        report(what, double(bytes / chunk * chunk), ms);
    }
    // A down projection of 4096 rows × 14336 columns in q4_K (8064 bytes per
    // row) and q6_K (11760): the last `width` bytes of every row.
    for (size_t pitch : {size_t(8064), size_t(11760)})
        for (size_t width : {pitch / 4, pitch / 2, pitch * 3 / 4, pitch}) {
            const size_t rows = 4096, reps = bytes / (rows * pitch);
            const double ms = time_ms(
                [&](cudaStream_t st) {
                    for (size_t r = 0; r < reps; ++r)
                        check_cuda(cudaMemcpy2DAsync(
                                       dev.as<uint8_t>() + r * rows * width, width,
                                       host.as<uint8_t>() + r * rows * pitch + (pitch - width),
                                       pitch, width, rows, cudaMemcpyHostToDevice, st),
                                   "2D copy");
                },
                5, s.get());
            char what[64];
            std::snprintf(what, sizeof what, "rows of %zu of %zu bytes, 4096 rows", width, pitch);
            report(what, double(reps * rows * width), ms);
        }
    return 0;
}

} // namespace hoard::bench
