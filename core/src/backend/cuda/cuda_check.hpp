#pragma once
// CUDA status codes turned into hoard::Error, and the device facts kernels
// size their launches by.
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

// Throws hoard::Error("<what>: <CUDA's message>") unless `status` is success.
void check_cuda(cudaError_t status, const char* what);

// After a kernel launch: reports a bad launch configuration at once.
void check_launch(const char* kernel);

// Of the current device, read once per process.
int multiprocessor_count();

} // namespace hoard::backend::cuda
