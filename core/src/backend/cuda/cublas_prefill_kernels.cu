#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cublas_prefill_kernels.hpp"
#include "backend/cuda/cuda_check.hpp"
#include "hoard/error.hpp"

#include <string>

namespace hoard::backend::cuda {
namespace {

using namespace codec;

constexpr int kThreads = 256;

// Float formats: one block per row, each thread a run of 32 values.
template <class C>
__global__ void __launch_bounds__(kThreads)
    dequantize_float_half_kernel(const uint8_t* data, size_t row_stride, int row_length,
                                 size_t first_row, __half* out, size_t out_stride) {
    const uint8_t* src = data + (first_row + blockIdx.x) * row_stride;
    __half* dst = out + size_t(blockIdx.x) * out_stride;
    for (int p = threadIdx.x; p * 32 < row_length; p += blockDim.x) {
        FloatPart part;
        const int n = min(32, row_length - p * 32);
        C::decode(src + size_t(p) * 32 * C::kBlockBytes, n, part);
        for (int i = 0; i < n; ++i) dst[p * 32 + i] = __float2half_rn(part.v[i]);
    }
}

// Quantized formats: the matrix as one run of parts (kPartValues values
// each), a thread per part. Each thread decodes its part into shared memory,
// then the block writes the decoded run out in consecutive 16-byte words,
// so the stores (four times the bytes read) coalesce.
template <class C>
__global__ void __launch_bounds__(kThreads)
    dequantize_quant_half_kernel(const uint8_t* data, size_t row_stride, size_t first_row,
                                 unsigned n_parts, unsigned parts_per_row, __half* out,
                                 size_t out_stride) {
    constexpr int kParts = C::kBlockElems / C::kPartValues;
    constexpr int kVectors = C::kPartValues / 8; // 16-byte words per part
    __shared__ uint4 tile[kThreads * kVectors];
    // 32-bit index arithmetic: the launch checks that the parts fit.
    const unsigned base = blockIdx.x * kThreads;
    const unsigned part_index = base + threadIdx.x;
    if (part_index < n_parts) {
        const unsigned row = part_index / parts_per_row;
        const unsigned p = part_index % parts_per_row;
        typename C::Part part;
        C::decode(data + (first_row + row) * row_stride + size_t(p / kParts) * C::kBlockBytes,
                  p % kParts, part);
#pragma unroll
        for (int v = 0; v < kVectors; ++v) {
            const int g = 8 * v / C::kGroup;
            __half2 h[4];
#pragma unroll
            for (int b = 0; b < 4; ++b) {
                const uint32_t word = part.q[2 * v + b / 2];
                const int byte = (b % 2) * 2;
                const float v0 =
                    __fsub_rn(__fmul_rn(part.scale[g], float(code_at(word, byte))), part.min[g]);
                const float v1 = __fsub_rn(__fmul_rn(part.scale[g], float(code_at(word, byte + 1))),
                                           part.min[g]);
                h[b] = __floats2half2_rn(v0, v1);
            }
            // Rotated within the part's words, so that the threads of a phase
            // hit distinct banks.
            tile[threadIdx.x * kVectors + (v + threadIdx.x) % kVectors] =
                *reinterpret_cast<const uint4*>(h);
        }
    }
    __syncthreads();
    const unsigned parts_here = min(unsigned(kThreads), n_parts - base);
    for (unsigned i = threadIdx.x; i < parts_here * kVectors; i += kThreads) {
        const unsigned local = i / kVectors, v = i % kVectors;
        const unsigned part_at = base + local;
        const unsigned row = part_at / parts_per_row;
        const unsigned p = part_at % parts_per_row;
        reinterpret_cast<uint4*>(out + row * out_stride + size_t(p) * C::kPartValues)[v] =
            tile[local * kVectors + (v + local) % kVectors];
    }
}

__global__ void gather_half_kernel(const __half* src, size_t src_stride, const uint32_t* list,
                                   uint32_t divisor, int n, __half* dst, size_t dst_stride) {
    const __half* from = src + size_t(list[blockIdx.x] / divisor) * src_stride;
    __half* to = dst + size_t(blockIdx.x) * dst_stride;
    for (int i = threadIdx.x; i < n; i += blockDim.x) to[i] = from[i];
}

__global__ void silu_mul_kernel(const float* gu, size_t gu_stride, int n, bool int8_grid, __half* h,
                                size_t h_stride) {
    const size_t row = blockIdx.y;
    const int lane = threadIdx.x % 32;
    const int c = (blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32) * 32 + lane;
    if (c - lane >= n) return; // whole warps leave together
    float v = 0.0f;
    if (c < n) {
        const float g = gu[row * gu_stride + c];
        v = g / (1.0f + __expf(-g)) * gu[row * gu_stride + n + c];
    }
    if (int8_grid) {
        float amax = fabsf(v);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
        const int q =
            amax > 0.0f ? __float2int_rn(fminf(127.0f, fmaxf(-127.0f, v * (127.0f / amax)))) : 0;
        v = float(q) * (amax / 127.0f);
    }
    if (c < n) h[row * h_stride + c] = __float2half_rn(v);
}

} // namespace

void dequantize_half(const DeviceMatrix& m, size_t first_row, size_t n_rows, __half* out,
                     size_t out_stride, cudaStream_t stream) {
    if (n_rows == 0) return;
    if (n_rows > 0x7fffffffu || m.row_length > 0x7fffffffu || first_row + n_rows > m.n_rows)
        throw Error("dequantize_half: rows out of range");
    if (reinterpret_cast<uintptr_t>(out) % 16 || out_stride % 8)
        throw Error("dequantize_half: output rows must be 16-byte aligned");
    const bool ok = visit_format(m.format, [&](auto codec) {
        using C = decltype(codec);
        if constexpr (kIsFloat<C>) {
            dequantize_float_half_kernel<C><<<unsigned(n_rows), kThreads, 0, stream>>>(
                m.data, m.row_stride, int(m.row_length), first_row, out, out_stride);
        } else {
            const size_t parts_per_row = m.row_length / C::kPartValues;
            const size_t n_parts = n_rows * parts_per_row;
            if (n_parts > 0x7fffffffu) throw Error("dequantize_half: matrix too large");
            dequantize_quant_half_kernel<C>
                <<<unsigned((n_parts + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
                    m.data, m.row_stride, first_row, unsigned(n_parts), unsigned(parts_per_row),
                    out, out_stride);
        }
        check_launch("dequantize_half");
    });
    if (!ok)
        throw Error("dequantize_half: no CUDA kernel for " +
                    std::string(quant::format_name(m.format)));
}

void gather_half_rows(const __half* src, size_t src_stride, const uint32_t* list, uint32_t divisor,
                      size_t count, size_t n, __half* dst, size_t dst_stride, cudaStream_t stream) {
    if (count == 0 || n == 0) return;
    if (count > 0x7fffffffu || n > 0x7fffffffu || divisor == 0)
        throw Error("gather_half_rows: bad shape");
    gather_half_kernel<<<unsigned(count), 256, 0, stream>>>(src, src_stride, list, divisor, int(n),
                                                            dst, dst_stride);
    check_launch("gather_half_rows");
}

void silu_mul_half(const float* gu, size_t gu_stride, size_t rows, size_t n, bool int8_grid,
                   __half* h, size_t h_stride, cudaStream_t stream) {
    if (rows == 0 || n == 0) return;
    if (rows > 65535 || n > 0x7fffffffu) throw Error("silu_mul_half: bad shape");
    constexpr unsigned kWarpsPerBlock = 8;
    const unsigned runs = unsigned((n + 31) / 32);
    const dim3 grid((runs + kWarpsPerBlock - 1) / kWarpsPerBlock, unsigned(rows));
    silu_mul_kernel<<<grid, kWarpsPerBlock * 32, 0, stream>>>(gu, gu_stride, int(n), int8_grid, h,
                                                              h_stride);
    check_launch("silu_mul_half");
}

} // namespace hoard::backend::cuda
