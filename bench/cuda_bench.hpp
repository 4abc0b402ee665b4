#pragma once
// Shared pieces of hoard_cuda_bench (see cuda_bench.cpp for the commands).
#include <cuda_runtime_api.h>
#include <functional>
#include <string>
#include <vector>

namespace hoard::bench {

double median(std::vector<double> v);

// Median milliseconds of `repeats` runs of `work` (after one warm-up run),
// timed with CUDA events on `stream`.
double time_ms(const std::function<void(cudaStream_t)>& work, int repeats, cudaStream_t stream);

// Device-to-device copy rate, bytes read plus bytes written per second.
double measure_copy_bandwidth();

int run_matvec(const std::vector<std::string>& formats, double copy_bw);
int run_gemm();
int run_link();
int run_model(const std::vector<std::string>& args, double copy_bw);
int run_offload(const std::vector<std::string>& args, double copy_bw);

} // namespace hoard::bench
