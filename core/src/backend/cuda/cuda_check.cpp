#include "backend/cuda/cuda_check.hpp"

#include "hoard/error.hpp"

#include <string>

namespace hoard::backend::cuda {

void check_cuda(cudaError_t status, const char* what) {
    if (status == cudaSuccess) return;
    throw Error(std::string(what) + ": " + cudaGetErrorString(status) + " (CUDA error " +
                std::to_string(int(status)) + ")");
}

void check_launch(const char* kernel) {
    const cudaError_t status = cudaGetLastError();
    if (status != cudaSuccess)
        throw Error(std::string("CUDA kernel ") + kernel +
                    " could not run: " + cudaGetErrorString(status));
}

int multiprocessor_count() {
    static const int count = [] {
        int device = 0, n = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device),
                   "reading the multiprocessor count");
        return n > 0 ? n : 1;
    }();
    return count;
}

} // namespace hoard::backend::cuda
