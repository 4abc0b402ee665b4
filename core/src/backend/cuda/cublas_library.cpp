#include "backend/cuda/cublas_library.hpp"

#include "hoard/error.hpp"

#include <climits>
#include <cstdlib>
#include <cublas_api.h>
#include <dlfcn.h>
#include <mutex>

namespace hoard::backend::cuda {
namespace {

using CreateFn = cublasStatus_t (*)(cublasHandle_t*);
using DestroyFn = cublasStatus_t (*)(cublasHandle_t);
using SetStreamFn = cublasStatus_t (*)(cublasHandle_t, cudaStream_t);
using SetWorkspaceFn = cublasStatus_t (*)(cublasHandle_t, void*, size_t);
using GemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                    int, const void*, const void*, cudaDataType, int, const void*,
                                    cudaDataType, int, const void*, void*, cudaDataType, int,
                                    cublasComputeType_t, cublasGemmAlgo_t);

void check_status(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS)
        throw Error(std::string("cuBLAS: ") + what + " failed (status " + std::to_string(int(s)) +
                    ")");
}

int as_int(size_t v, const char* what) {
    if (v > size_t(INT_MAX)) throw Error(std::string("cuBLAS: ") + what + " is too large");
    return int(v);
}

} // namespace

const CublasLibrary* CublasLibrary::get(std::string& reason) {
    static std::once_flag once;
    static CublasLibrary* instance = nullptr;
    static std::string why;
    std::call_once(once, [] {
        const char* env = std::getenv("HOARD_CUDA_CUBLAS");
        if (env && std::string(env) == "off") {
            why = "cuBLAS disabled (HOARD_CUDA_CUBLAS=off)";
            return;
        }
        auto* lib = new CublasLibrary();
        if (lib->open(why))
            instance = lib;
        else
            delete lib;
    });
    if (!instance) reason = why;
    return instance;
}

bool CublasLibrary::open(std::string& reason) {
    // The library of this toolkit's major version first, then the unversioned name.
    const std::string names[] = {"libcublas.so." + std::to_string(CUDART_VERSION / 1000),
                                 "libcublas.so"};
    for (const std::string& name : names) {
        lib_ = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (lib_) {
            path_ = name;
            break;
        }
    }
    if (!lib_) {
        reason = "no cuBLAS library (" + names[0] + ") found";
        return false;
    }
    auto sym = [&](const char* name) { return dlsym(lib_, name); };
    create_ = sym("cublasCreate_v2");
    destroy_ = sym("cublasDestroy_v2");
    set_stream_ = sym("cublasSetStream_v2");
    set_workspace_ = sym("cublasSetWorkspace_v2");
    gemm_ex_ = sym("cublasGemmEx");
    if (!create_ || !destroy_ || !set_stream_ || !set_workspace_ || !gemm_ex_) {
        reason = path_ + " lacks the functions Hoard uses";
        dlclose(lib_);
        lib_ = nullptr;
        return false;
    }
    return true;
}

void* CublasLibrary::create_handle(cudaStream_t stream, void* workspace,
                                   size_t workspace_bytes) const {
    cublasHandle_t h = nullptr;
    check_status(reinterpret_cast<CreateFn>(create_)(&h), "creating a handle");
    try {
        check_status(reinterpret_cast<SetStreamFn>(set_stream_)(h, stream), "setting the stream");
        // Our own workspace, so cuBLAS allocates nothing outside the budget.
        check_status(
            reinterpret_cast<SetWorkspaceFn>(set_workspace_)(h, workspace, workspace_bytes),
            "setting the workspace");
    } catch (...) {
        reinterpret_cast<DestroyFn>(destroy_)(h);
        throw;
    }
    return h;
}

void CublasLibrary::destroy_handle(void* handle) const {
    if (handle) reinterpret_cast<DestroyFn>(destroy_)(static_cast<cublasHandle_t>(handle));
}

void CublasLibrary::set_stream(void* handle, cudaStream_t stream) const {
    check_status(
        reinterpret_cast<SetStreamFn>(set_stream_)(static_cast<cublasHandle_t>(handle), stream),
        "setting the stream");
}

void CublasLibrary::gemm_abt(void* handle, size_t m, size_t n, size_t k, const void* a, size_t lda,
                             const void* b, size_t ldb, void* c, size_t ldc, bool c_half,
                             float alpha, float beta) const {
    // Column-major view: cᵀ (n × m) = b (n × k, stored k × n: transposed) · aᵀ (k × m).
    check_status(reinterpret_cast<GemmExFn>(gemm_ex_)(
                     static_cast<cublasHandle_t>(handle), CUBLAS_OP_T, CUBLAS_OP_N, as_int(n, "n"),
                     as_int(m, "m"), as_int(k, "k"), &alpha, b, CUDA_R_16F, as_int(ldb, "ldb"), a,
                     CUDA_R_16F, as_int(lda, "lda"), &beta, c, c_half ? CUDA_R_16F : CUDA_R_32F,
                     as_int(ldc, "ldc"), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 "a matrix product");
}

} // namespace hoard::backend::cuda
