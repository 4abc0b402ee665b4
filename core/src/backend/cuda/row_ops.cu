#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/row_ops.hpp"
#include "hoard/error.hpp"

#include <string>

namespace hoard::backend::cuda {
namespace {

using namespace codec;

constexpr int kThreads = 256;
// A decode step normalizes one row: the whole block works on it, so wide
// blocks finish sooner (the step is a chain of such small kernels).
constexpr int kNormThreads = 1024;

__device__ float block_sum(float v, float* scratch) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < int(blockDim.x / 32); ++w) total += scratch[w];
    __syncthreads();
    return total;
}

// One block per row. Values are visited in 32-wide runs, one run per warp at
// a time, so that each run is one int8 block of the encoding.
__global__ void __launch_bounds__(kNormThreads) normalize_rows_kernel(RowNormJob j) {
    __shared__ float scratch[32];
    const size_t row = blockIdx.x;
    const int n = int(j.n);
    float* x = j.x + row * j.n;

    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = x[i];
        if (j.mix) {
            for (size_t s = 0; s < j.mix_k; ++s) {
                const size_t pair = row * j.mix_k + s;
                v += j.mix_weights[pair] * j.mix[pair * j.n + i];
            }
            x[i] = v;
        }
        ss += v * v;
    }
    float scale = 1.0f;
    if (j.norm) {
        const float total = block_sum(ss, scratch);
        scale = 1.0f / sqrtf(total / float(n) + j.eps);
    } else if (j.mix) {
        __syncthreads(); // x was rewritten above by other threads
    }

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warps = blockDim.x / 32;
    const bool grid = j.out_int8 || (j.out_f16 && j.f16_int8_grid);
    for (int base = warp * 32; base < n; base += warps * 32) {
        const int i = base + lane;
        float y = 0.0f;
        if (i < n) {
            y = x[i];
            if (j.norm) {
                y = __fmul_rn(y, scale);
                if (j.weight) y = __fmul_rn(y, j.weight[i]);
            }
            if (j.out_f32) j.out_f32[row * j.n + i] = y;
        }
        // The int8 code of y in its run of 32 (rounded half to even, as the CPU engine).
        int q = 0;
        float step = 0.0f;
        if (grid) {
            float amax = fabsf(y);
#pragma unroll
            for (int o = 16; o > 0; o >>= 1)
                amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
            if (amax > 0.0f) q = __float2int_rn(fminf(127.0f, fmaxf(-127.0f, y * (127.0f / amax))));
            step = amax / 127.0f;
        }
        if (j.out_f16 && i < n)
            j.out_f16[row * j.f16_stride + i] =
                __float2half_rn(j.f16_int8_grid ? float(q) * step : y);
        if (j.out_int8) { // n is a multiple of 32 here
            uint8_t* out = j.out_int8 + row * int8_row_bytes(j.n);
            reinterpret_cast<int8_t*>(out)[i] = int8_t(q);
            if (lane == 0) reinterpret_cast<float*>(out + int8_scales_offset(j.n))[i / 32] = step;
        }
    }
}

template <bool kAdd>
__global__ void scatter_rows_kernel(const float* src, const uint32_t* list, int n, float* dst) {
    const float* from = src + size_t(blockIdx.x) * n;
    float* to = dst + size_t(list[blockIdx.x]) * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) to[i] = kAdd ? to[i] + from[i] : from[i];
}

template <class C>
__global__ void __launch_bounds__(kThreads)
    dequantize_kernel(const uint8_t* data, size_t row_stride, int row_length, const int32_t* ids,
                      size_t first_row, float* out) {
    const size_t row = ids ? size_t(ids[blockIdx.x]) : first_row + blockIdx.x;
    const uint8_t* src = data + row * row_stride;
    float* dst = out + size_t(blockIdx.x) * row_length;
    if constexpr (kIsFloat<C>) {
        for (int p = threadIdx.x; p * 32 < row_length; p += blockDim.x) {
            FloatPart part;
            const int n = min(32, row_length - p * 32);
            C::decode(src + size_t(p) * 32 * C::kBlockBytes, n, part);
            for (int i = 0; i < n; ++i) dst[p * 32 + i] = part.v[i];
        }
    } else {
        constexpr int kParts = C::kBlockElems / C::kPartValues;
        const int n_parts = row_length / C::kBlockElems * kParts;
        for (int p = threadIdx.x; p < n_parts; p += blockDim.x) {
            typename C::Part part;
            C::decode(src + size_t(p / kParts) * C::kBlockBytes, p % kParts, part);
            float* o = dst + p * C::kPartValues;
#pragma unroll
            for (int w = 0; w < C::Part::kWords; ++w) {
                const int g = 4 * w / C::kGroup;
#pragma unroll
                for (int b = 0; b < 4; ++b)
                    o[4 * w + b] = __fsub_rn(__fmul_rn(part.scale[g], float(code_at(part.q[w], b))),
                                             part.min[g]);
            }
        }
    }
}

void launch_dequantize(const DeviceMatrix& m, const int32_t* ids, size_t first_row, size_t n_rows,
                       float* out, cudaStream_t stream, const char* what) {
    if (n_rows == 0) return;
    if (n_rows > 0x7fffffffu || m.row_length > 0x7fffffffu)
        throw Error(std::string(what) + ": too many rows");
    const bool ok = visit_format(m.format, [&](auto codec) {
        using C = decltype(codec);
        dequantize_kernel<C><<<unsigned(n_rows), 128, 0, stream>>>(
            m.data, m.row_stride, int(m.row_length), ids, first_row, out);
        check_launch(what);
    });
    if (!ok)
        throw Error(std::string(what) + ": no CUDA kernel for " +
                    std::string(quant::format_name(m.format)));
}

} // namespace

void normalize_rows(const RowNormJob& job, cudaStream_t stream) {
    if (job.n_rows == 0) return;
    if (job.out_int8 && job.n % 32)
        throw Error("normalize_rows: int8 activations need a multiple of 32 values");
    if (job.n_rows > 0x7fffffffu) throw Error("normalize_rows: too many rows");
    normalize_rows_kernel<<<unsigned(job.n_rows), kNormThreads, 0, stream>>>(job);
    check_launch("normalize_rows");
}

void scatter_rows(const float* src, const uint32_t* list, size_t count, size_t n, float* dst,
                  cudaStream_t stream, bool add) {
    if (count == 0 || n == 0) return;
    if (count > 0x7fffffffu || n > 0x7fffffffu) throw Error("scatter_rows: too many rows");
    if (add)
        scatter_rows_kernel<true><<<unsigned(count), 256, 0, stream>>>(src, list, int(n), dst);
    else
        scatter_rows_kernel<false><<<unsigned(count), 256, 0, stream>>>(src, list, int(n), dst);
    check_launch("scatter_rows");
}

void embed_rows(const DeviceMatrix& table, const int32_t* tokens, size_t n_tokens, float* x,
                cudaStream_t stream) {
    launch_dequantize(table, tokens, 0, n_tokens, x, stream, "embed_rows");
}

void dequantize_rows(const DeviceMatrix& m, size_t first_row, size_t n_rows, float* out,
                     cudaStream_t stream) {
    launch_dequantize(m, nullptr, first_row, n_rows, out, stream, "dequantize_rows");
}

} // namespace hoard::backend::cuda
