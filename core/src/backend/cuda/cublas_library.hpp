#pragma once
// cuBLAS, opened at run time (dlopen) rather than linked: Hoard's binaries
// need only the CUDA driver, and use cuBLAS's matrix products for large
// prefill batches where the library is installed (the CUDA toolkit or the
// driver's runtime packages ship it). Only the few entry points the prefill
// products need are looked up.
#include <cstddef>
#include <cuda_runtime_api.h>
#include <string>

namespace hoard::backend::cuda {

class CublasLibrary {
  public:
    // The process's one instance, or null (with the reason) when no cuBLAS
    // library could be opened. HOARD_CUDA_CUBLAS=off disables it.
    static const CublasLibrary* get(std::string& reason);

    // A handle bound to `stream` with `workspace` (device memory the caller
    // owns, from its budget); throws hoard::Error on failure.
    void* create_handle(cudaStream_t stream, void* workspace, size_t workspace_bytes) const;
    void destroy_handle(void* handle) const;
    void set_stream(void* handle, cudaStream_t stream) const;

    // Row-major products with float16 inputs and float32 accumulation:
    //   c[i][j] = alpha * Σ_k a[i][k] * b[j][k] + beta * c[i][j]
    // for i < m, j < n; a has rows of lda halves, b rows of ldb halves, c rows
    // of ldc elements, float32 (c_half false) or float16 (c_half true).
    void gemm_abt(void* handle, size_t m, size_t n, size_t k, const void* a, size_t lda,
                  const void* b, size_t ldb, void* c, size_t ldc, bool c_half, float alpha,
                  float beta) const;

    const std::string& path() const { return path_; }

  private:
    CublasLibrary() = default;
    bool open(std::string& reason);

    void* lib_ = nullptr;
    std::string path_;
    void* create_ = nullptr;
    void* destroy_ = nullptr;
    void* set_stream_ = nullptr;
    void* set_workspace_ = nullptr;
    void* gemm_ex_ = nullptr;
};

} // namespace hoard::backend::cuda
