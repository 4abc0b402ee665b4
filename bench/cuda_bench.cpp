// hoard_cuda_bench: measures the CUDA backend on the machine it runs on.
//
//   hoard_cuda_bench bandwidth            device memory copy rate (the ceiling)
//   hoard_cuda_bench matvec [FORMAT...]   decode matrix-vector GB/s per block format
//   hoard_cuda_bench gemm                 prefill matrix products, TFLOP/s
//   hoard_cuda_bench link                 host → device copies, whole and by rows
//   hoard_cuda_bench model FILE.gguf [--prompt N] [--decode N] [--no-graphs]
//                                         all-in-VRAM prefill and decode tokens/s
//   hoard_cuda_bench offload FILE.gguf [--budgets 8,12,24,0] [...]
//                                         the offload engine over the real link
//                                         (see cuda_bench_offload.cpp)
//
// Every figure is the median of several timed repetitions after a warm-up,
// timed with CUDA events; inputs rotate through more memory than the L2 holds.
#include "cuda_bench.hpp"

#include "backend/cuda/cublas_prefill_kernels.hpp"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/device_queues.hpp"
#include "backend/cuda/gemm.hpp"
#include "backend/cuda/matvec.hpp"
#include "backend/cuda/row_ops.hpp"
#include "hoard/error.hpp"
#include "quant/kernels.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace hoard::bench {

using namespace backend::cuda;
using quant::BlockFormat;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

double time_ms(const std::function<void(cudaStream_t)>& work, int repeats, cudaStream_t stream) {
    Event start(true), stop(true);
    work(stream); // warm-up: module loading, first touch
    check_cuda(cudaStreamSynchronize(stream), "warm-up");
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
        start.record(stream);
        work(stream);
        stop.record(stream);
        stop.synchronize();
        ms.push_back(stop.milliseconds_since(start));
    }
    return median(ms);
}

double measure_copy_bandwidth() {
    const size_t bytes = size_t(4) << 30;
    DeviceMemory memory(3 * bytes);
    DeviceBuffer a = memory.allocate(bytes, "copy source"),
                 b = memory.allocate(bytes, "copy target");
    check_cuda(cudaMemset(a.data(), 1, bytes), "filling");
    check_cuda(cudaDeviceSynchronize(), "filling");
    Stream s;
    const double ms = time_ms(
        [&](cudaStream_t st) {
            check_cuda(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice, st),
                       "copy");
        },
        10, s.get());
    return 2.0 * double(bytes) / (ms * 1e-3); // read + write
}

namespace {

// Random valid rows of a format: `distinct` rows quantized on the host,
// repeated to fill n_rows (the kernels' speed does not depend on the values).
std::vector<uint8_t> random_rows(BlockFormat f, size_t n_rows, size_t row_length, uint64_t seed) {
    const size_t stride = quant::row_bytes(f, row_length), distinct = 64;
    std::vector<uint8_t> rows(distinct * stride);
    std::mt19937 rng{uint32_t(seed)};
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> values(row_length);
    for (size_t r = 0; r < distinct; ++r) {
        for (float& v : values) v = dist(rng);
        uint8_t* dst = rows.data() + r * stride;
        if (f == BlockFormat::F32) {
            std::memcpy(dst, values.data(), row_length * 4);
        } else if (f == BlockFormat::F16 || f == BlockFormat::BF16) {
            for (size_t i = 0; i < row_length; ++i) {
                const uint16_t h = f == BlockFormat::F16 ? quant::fp32_to_fp16(values[i])
                                                         : quant::fp32_to_bf16(values[i]);
                std::memcpy(dst + 2 * i, &h, 2);
            }
        } else {
            quant::quantize_row(f, values.data(), dst, row_length);
        }
    }
    std::vector<uint8_t> out(n_rows * stride);
    for (size_t r = 0; r < n_rows; ++r)
        std::memcpy(out.data() + r * stride, rows.data() + (r % distinct) * stride, stride);
    return out;
}

// `copies` copies of one matrix in device memory, matrix_stride apart.
struct MatrixSet {
    DeviceBuffer buffer;
    DeviceMatrix m;
    size_t copies = 0;
};

MatrixSet upload_set(DeviceMemory& memory, BlockFormat f, size_t n_rows, size_t row_length,
                     size_t min_total_bytes) {
    const std::vector<uint8_t> host = random_rows(f, n_rows, row_length, 1 + uint64_t(f));
    MatrixSet s;
    s.m.format = f;
    s.m.n_rows = n_rows;
    s.m.row_length = row_length;
    s.m.row_stride = quant::row_bytes(f, row_length);
    s.m.matrix_stride = round_up(host.size(), 256);
    s.copies = std::max<size_t>(2, (min_total_bytes + host.size() - 1) / host.size());
    s.m.count = s.copies;
    s.buffer = memory.allocate(s.m.matrix_stride * s.copies + kReadSlack, "benchmark weights");
    s.m.data = s.buffer.as<uint8_t>();
    check_cuda(cudaMemcpy(s.buffer.data(), host.data(), host.size(), cudaMemcpyHostToDevice),
               "upload");
    for (size_t i = 1; i < s.copies; ++i)
        check_cuda(cudaMemcpy(s.buffer.as<uint8_t>() + i * s.m.matrix_stride, s.buffer.data(),
                              host.size(), cudaMemcpyDeviceToDevice),
                   "replicate");
    return s;
}

// An activation row of n values in the encoding format f takes.
DeviceBuffer activation(DeviceMemory& memory, BlockFormat f, size_t n, size_t rows = 1) {
    std::mt19937 rng(5);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> x(n * rows);
    for (float& v : x) v = dist(rng);
    DeviceBuffer xf = memory.allocate(x.size() * 4 + kReadSlack, "activation");
    check_cuda(cudaMemcpy(xf.data(), x.data(), x.size() * 4, cudaMemcpyHostToDevice), "upload");
    if (!takes_int8_activations(f)) return xf;
    DeviceBuffer xq = memory.allocate(int8_row_bytes(n) * rows + kReadSlack, "activation");
    RowNormJob j;
    j.x = xf.as<float>();
    j.n_rows = rows;
    j.n = n;
    j.norm = false;
    j.out_int8 = xq.as<uint8_t>();
    normalize_rows(j, nullptr);
    check_cuda(cudaDeviceSynchronize(), "encode");
    return xq;
}

const std::vector<BlockFormat> kFormats = {
    BlockFormat::F32,  BlockFormat::F16,  BlockFormat::BF16, BlockFormat::Q4_0, BlockFormat::Q4_1,
    BlockFormat::Q5_0, BlockFormat::Q5_1, BlockFormat::Q8_0, BlockFormat::Q2_K, BlockFormat::Q3_K,
    BlockFormat::Q4_K, BlockFormat::Q5_K, BlockFormat::Q6_K};

} // namespace

int run_matvec(const std::vector<std::string>& names, double copy_bw) {
    std::vector<BlockFormat> formats;
    for (BlockFormat f : kFormats)
        if (names.empty() ||
            std::find(names.begin(), names.end(), quant::format_name(f)) != names.end())
            formats.push_back(f);
    DeviceMemory memory(size_t(40) << 30);
    Stream s;
    std::printf(
        "\nmatvec (decode): weights streamed per second, inputs rotating through >= 1 GiB\n");
    std::printf("%-6s %-22s %10s %10s %8s\n", "format", "shape (rows x length)", "us/call", "GB/s",
                "of copy");
    struct Shape {
        size_t rows, length;
        const char* what;
    };
    const Shape shapes[] = {{14336, 4096, "14336 x 4096 (up)"},
                            {4096, 14336, "4096 x 14336 (down)"},
                            {1024, 4096, "1024 x 4096 (k/v)"}};
    for (BlockFormat f : formats)
        for (const Shape& sh : shapes) {
            MatrixSet set = upload_set(memory, f, sh.rows, sh.length, size_t(1) << 30);
            DeviceBuffer x = activation(memory, f, sh.length);
            DeviceBuffer out = memory.allocate(sh.rows * 4, "output");
            size_t i = 0;
            const int calls = 50;
            const double ms = time_ms(
                [&](cudaStream_t st) {
                    for (int c = 0; c < calls; ++c) {
                        MatvecProblems p;
                        p.w = set.m.at(i++ % set.copies);
                        p.x = x.data();
                        p.out = out.as<float>();
                        matvec(p, st);
                    }
                },
                7, s.get());
            const double bytes = double(sh.rows * set.m.row_stride) * calls;
            const double bw = bytes / (ms * 1e-3);
            std::printf("%-6s %-22s %10.1f %10.0f %7.0f%%\n",
                        std::string(quant::format_name(f)).c_str(), sh.what, ms * 1e3 / calls,
                        bw / 1e9, 100.0 * bw / copy_bw);
            std::fflush(stdout);
        }
    // The fused expert step of a decode: gate and up of 2 of 8 experts chosen on the device.
    for (BlockFormat f : {BlockFormat::Q4_K, BlockFormat::Q8_0, BlockFormat::F16}) {
        if (std::find(formats.begin(), formats.end(), f) == formats.end()) continue;
        MatrixSet gate = upload_set(memory, f, 14336, 4096, size_t(1) << 30);
        MatrixSet up = upload_set(memory, f, 14336, 4096, size_t(1) << 30);
        DeviceBuffer x = activation(memory, f, 4096);
        DeviceBuffer out = memory.allocate(2 * 14336 * 4, "output");
        const std::vector<int32_t> ids_host = {3, 6};
        DeviceBuffer ids = memory.allocate(64, "ids");
        check_cuda(cudaMemcpy(ids.data(), ids_host.data(), 8, cudaMemcpyHostToDevice), "ids");
        size_t i = 0;
        const int calls = 30;
        const size_t n_sets = std::min(gate.copies, up.copies) / 8;
        const double ms = time_ms(
            [&](cudaStream_t st) {
                for (int c = 0; c < calls; ++c) {
                    const size_t set = i++ % std::max<size_t>(n_sets, 1);
                    MatvecProblems p;
                    p.w = gate.m.at(set * 8);
                    p.w.count = 8;
                    p.w2 = up.m.at(set * 8);
                    p.w2.count = 8;
                    p.ids = ids.as<int32_t>();
                    p.x = x.data();
                    p.out = out.as<float>();
                    p.out_stride = 14336;
                    p.n_problems = 2;
                    p.output = MatvecOutput::SiluMul;
                    matvec(p, st);
                }
            },
            7, s.get());
        const double bytes = 4.0 * double(14336 * gate.m.row_stride) * calls;
        const double bw = bytes / (ms * 1e-3);
        std::printf("%-6s %-22s %10.1f %10.0f %7.0f%%\n",
                    std::string(quant::format_name(f)).c_str(), "2 experts gate+up",
                    ms * 1e3 / calls, bw / 1e9, 100.0 * bw / copy_bw);
    }
    return 0;
}

int run_gemm() {
    DeviceMemory memory(size_t(40) << 30);
    Stream s;
    std::printf("\ngemm (prefill): dequantize tiles + tensor cores (float16 in, float32 sums)\n");
    std::printf("%-6s %-34s %10s %10s\n", "format", "shape", "ms", "TFLOP/s");
    for (BlockFormat f :
         {BlockFormat::Q4_K, BlockFormat::Q6_K, BlockFormat::Q8_0, BlockFormat::F16}) {
        const size_t rows = 14336, k = 4096, m = 512;
        MatrixSet w = upload_set(memory, f, rows, k, size_t(1) << 30);
        DeviceBuffer a = memory.allocate(m * k * 2 + kReadSlack, "activations");
        check_cuda(cudaMemset(a.data(), 0x3c, m * k * 2), "fill"); // 1.0-ish halves
        check_cuda(cudaDeviceSynchronize(), "fill");
        DeviceBuffer out = memory.allocate(m * rows * 4, "output");
        size_t i = 0;
        const double ms = time_ms(
            [&](cudaStream_t st) {
                GemmProblem p;
                p.w = w.m.at(i++ % w.copies);
                p.a = a.as<__half>();
                p.a_stride = k;
                p.m = m;
                p.out = out.data();
                p.out_stride = rows;
                gemm(p, st);
            },
            7, s.get());
        std::printf("%-6s %-34s %10.3f %10.1f\n", std::string(quant::format_name(f)).c_str(),
                    "512 tokens x 14336 x 4096", ms, 2.0 * m * rows * k / (ms * 1e-3) / 1e12);
        // The cuBLAS path's decode step: the matrix to float16 rows.
        DeviceBuffer halves = memory.allocate(rows * k * 2, "float16 weights");
        const double dq_ms = time_ms(
            [&](cudaStream_t st) {
                dequantize_half(w.m.at(i++ % w.copies), 0, rows, halves.as<__half>(), k, st);
            },
            7, s.get());
        const double moved = double(w.m.matrix_bytes()) + double(rows * k * 2);
        std::printf("%-6s %-34s %10.3f %10.0f GB/s read + written\n",
                    std::string(quant::format_name(f)).c_str(), "to float16, 14336 x 4096", dq_ms,
                    moved / (dq_ms * 1e-3) / 1e9);
        std::fflush(stdout);
    }
    return 0;
}

} // namespace hoard::bench

int main(int argc, char** argv) {
    using namespace hoard::bench;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fprintf(stderr,
                     "usage: hoard_cuda_bench bandwidth|matvec [FORMAT...]|gemm|link|"
                     "model FILE [--prompt N] [--decode N] [--no-graphs]|offload FILE [...]\n");
        return 2;
    }
    try {
        std::string reason;
        const auto device = hoard::backend::cuda::find_device(reason);
        if (!device) {
            std::fprintf(stderr, "%s\n", reason.c_str());
            return 1;
        }
        std::printf("GPU: %s (sm_%d%d, %d SMs, %.1f GiB), datasheet bandwidth %.0f GB/s\n",
                    device->name.c_str(), device->compute_major, device->compute_minor,
                    device->multiprocessors, double(device->total_bytes) / (1 << 30),
                    device->memory_bandwidth / 1e9);
        const double copy_bw = measure_copy_bandwidth();
        std::printf("device-to-device copy: %.0f GB/s (read + write)\n", copy_bw / 1e9);
        const std::string& what = args[0];
        if (what == "bandwidth") return 0;
        if (what == "matvec") return run_matvec({args.begin() + 1, args.end()}, copy_bw);
        if (what == "gemm") return run_gemm();
        if (what == "link") return run_link();
        if (what == "model") return run_model({args.begin() + 1, args.end()}, copy_bw);
        if (what == "offload") return run_offload({args.begin() + 1, args.end()}, copy_bw);
        std::fprintf(stderr, "unknown benchmark '%s'\n", what.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
