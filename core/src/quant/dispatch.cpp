// Run-time selection of the kernel implementation (CPUID through
// __builtin_cpu_supports) and the public matmul entry points.
#include "hoard/error.hpp"
#include "quant/format_checks.hpp"
#include "quant/kernels.hpp"
#include "quant/matmul_kernels.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

namespace hoard::quant {
namespace {

constexpr MatmulKernels kScalarKernels{
    scalar::matmul_f32,  scalar::matmul_f16,  scalar::matmul_bf16, scalar::matmul_q4_0,
    scalar::matmul_q4_1, scalar::matmul_q5_0, scalar::matmul_q5_1, scalar::matmul_q8_0,
    scalar::matmul_q2_k, scalar::matmul_q3_k, scalar::matmul_q4_k, scalar::matmul_q5_k,
    scalar::matmul_q6_k,
};

constexpr MatmulKernels kAvx2Kernels{
    avx2::matmul_f32,  avx2::matmul_f16,  avx2::matmul_bf16, avx2::matmul_q4_0, avx2::matmul_q4_1,
    avx2::matmul_q5_0, avx2::matmul_q5_1, avx2::matmul_q8_0, avx2::matmul_q2_k, avx2::matmul_q3_k,
    avx2::matmul_q4_k, avx2::matmul_q5_k, avx2::matmul_q6_k,
};

constexpr MatmulKernels kAvx512Kernels{
    avx512::matmul_f32,  avx512::matmul_f16,  avx512::matmul_bf16, avx2::matmul_q4_0,
    avx2::matmul_q4_1,   avx2::matmul_q5_0,   avx2::matmul_q5_1,   avx512::matmul_q8_0,
    avx512::matmul_q2_k, avx512::matmul_q3_k, avx512::matmul_q4_k, avx512::matmul_q5_k,
    avx512::matmul_q6_k,
};

bool cpu_has_avx2() {
    __builtin_cpu_init(); // idempotent; makes the checks safe even from static initializers
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
}

bool cpu_has_avx512() {
    return cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq");
}

// $HOARD_ISA (scalar, avx2, avx512) lowers the default, e.g. to compare paths
// or to rule out a kernel; it never raises it above what the CPU supports.
Isa initial_isa() {
    Isa isa = best_supported_isa();
    if (const char* cap = std::getenv("HOARD_ISA"); cap && *cap) {
        const std::string want(cap);
        if (want == "scalar")
            isa = Isa::Scalar;
        else if (want == "avx2" && isa_supported(Isa::Avx2))
            isa = Isa::Avx2;
    }
    return isa;
}

std::atomic<Isa>& active_isa_slot() {
    static std::atomic<Isa> slot{initial_isa()};
    return slot;
}

const MatmulKernels& kernels_for(Isa isa) {
    switch (isa) {
    case Isa::Avx512:
        return kAvx512Kernels;
    case Isa::Avx2:
        return kAvx2Kernels;
    case Isa::Scalar:
        break;
    }
    return kScalarKernels;
}

MatmulFn kernel_for(const MatmulKernels& k, BlockFormat format) {
    switch (format) {
    case BlockFormat::F32:
        return k.f32;
    case BlockFormat::F16:
        return k.f16;
    case BlockFormat::BF16:
        return k.bf16;
    case BlockFormat::Q4_0:
        return k.q4_0;
    case BlockFormat::Q4_1:
        return k.q4_1;
    case BlockFormat::Q5_0:
        return k.q5_0;
    case BlockFormat::Q5_1:
        return k.q5_1;
    case BlockFormat::Q8_0:
        return k.q8_0;
    case BlockFormat::Q2_K:
        return k.q2_k;
    case BlockFormat::Q3_K:
        return k.q3_k;
    case BlockFormat::Q4_K:
        return k.q4_k;
    case BlockFormat::Q5_K:
        return k.q5_k;
    case BlockFormat::Q6_K:
        return k.q6_k;
    default:
        return nullptr;
    }
}

} // namespace

bool isa_supported(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return true;
    case Isa::Avx2:
        return cpu_has_avx2();
    case Isa::Avx512:
        return cpu_has_avx512();
    }
    return false;
}

Isa best_supported_isa() {
    if (cpu_has_avx512()) return Isa::Avx512;
    if (cpu_has_avx2()) return Isa::Avx2;
    return Isa::Scalar;
}

Isa active_isa() {
    return active_isa_slot().load(std::memory_order_relaxed);
}

void set_active_isa(Isa isa) {
    if (!isa_supported(isa))
        throw Error("this CPU cannot run the " + std::string(isa_name(isa)) + " kernels");
    active_isa_slot().store(isa, std::memory_order_relaxed);
}

std::string_view isa_name(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return "scalar";
    case Isa::Avx2:
        return "avx2";
    case Isa::Avx512:
        return "avx512";
    }
    return "unknown";
}

void matmul_with(Isa isa, BlockFormat weight_format, const void* w, size_t row_stride,
                 size_t n_rows, size_t n, const void* act, size_t act_stride, size_t n_cols,
                 float* out, size_t out_stride) {
    check_computable(weight_format, "multiply");
    check_row_length(weight_format, n);
    if (!isa_supported(isa))
        throw Error("this CPU cannot run the " + std::string(isa_name(isa)) + " kernels");
    if (row_stride < row_bytes(weight_format, n) && n_rows > 1)
        throw Error("matrix rows overlap: row stride is smaller than a row");
    if (n_rows == 0 || n_cols == 0 || n == 0) {
        for (size_t r = 0; r < n_rows; ++r)
            for (size_t c = 0; c < n_cols; ++c) out[r * out_stride + c] = 0.0f;
        return;
    }
    const MatmulFn fn = kernel_for(kernels_for(isa), weight_format);
    fn(static_cast<const uint8_t*>(w), row_stride, n_rows, n, static_cast<const uint8_t*>(act),
       act_stride, n_cols, out, out_stride);
}

void matmul(BlockFormat weight_format, const void* w, size_t row_stride, size_t n_rows, size_t n,
            const void* act, size_t act_stride, size_t n_cols, float* out, size_t out_stride) {
    matmul_with(active_isa(), weight_format, w, row_stride, n_rows, n, act, act_stride, n_cols, out,
                out_stride);
}

} // namespace hoard::quant
