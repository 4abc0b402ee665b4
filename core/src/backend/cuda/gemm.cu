// Tiled matrix products with the weights decoded in the tile loader. A block
// of 256 threads computes 128 activation rows × 64 weight rows, stepping
// through the shared length 128 values at a time: the activation tile is
// copied, the weight tile is decoded part by part (block_codec) into float16,
// and eight warps multiply them with WMMA 16×16×16 fragments.
#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/gemm.hpp"
#include "hoard/error.hpp"

#include <mma.h>
#include <string>

namespace hoard::backend::cuda {
namespace {

using namespace codec;
using namespace nvcuda;

constexpr int kThreads = 256;
constexpr int BM = 128, BN = 64, KC = 128;
constexpr int LD = KC + 8;  // halves per shared row: keeps fragment loads off one bank
constexpr int LDC = BN + 4; // floats per row of the output tile
constexpr size_t kTileA = size_t(BM) * LD * sizeof(__half);
constexpr size_t kTileB = size_t(BN) * LD * sizeof(__half);

struct GemmArgs {
    const uint8_t* w;
    const uint8_t* w2;
    size_t row_stride;
    size_t matrix_stride;
    int n_rows;
    int k;
    const __half* a;
    size_t a_stride;
    int m;
    const uint32_t* offsets;
    const uint32_t* list;
    uint32_t a_row_divisor;
    const int32_t* group_ids;
    void* out;
    size_t out_stride;
    GemmOutput output;
    bool half_int8_grid;
};

__device__ __forceinline__ float silu(float v) {
    return v / (1.0f + __expf(-v));
}

// Exact float of a signed code byte b of `biased` (the word's bytes + 128):
// 2^23 + byte, as float bits, minus 2^23 + 128. No int-to-float conversion,
// which runs at a sixteenth of the FMA rate.
__device__ __forceinline__ float code_float(uint32_t biased, int b) {
    const uint32_t bits = __byte_perm(biased, 0x4b000000u, 0x7440u | uint32_t(b));
    return __uint_as_float(bits) - 8388736.0f;
}

// Decodes the weights of one part (32 or 64 values) starting at value k0 of
// `row` into float16 at dst. (Splitting a part between two threads measured
// slower: each then repeats the part's loads.)
template <class C>
__device__ __forceinline__ void decode_to_half(const uint8_t* row, int k0, int k, __half* dst) {
    if constexpr (kIsFloat<C>) {
        FloatPart p;
        C::decode(row + size_t(k0) * C::kBlockBytes, min(32, k - k0), p);
#pragma unroll
        for (int i = 0; i < 32; i += 2)
            *reinterpret_cast<__half2*>(dst + i) = __floats2half2_rn(p.v[i], p.v[i + 1]);
    } else {
        typename C::Part p;
        C::decode(row + size_t(k0 / C::kBlockElems) * C::kBlockBytes,
                  (k0 % C::kBlockElems) / C::kPartValues, p);
#pragma unroll
        for (int w = 0; w < C::Part::kWords; ++w) {
            const int g = 4 * w / C::kGroup;
            const uint32_t biased = p.q[w] ^ 0x80808080u;
            __half2 h[2];
#pragma unroll
            for (int b = 0; b < 4; b += 2)
                h[b / 2] =
                    __floats2half2_rn(fmaf(p.scale[g], code_float(biased, b), -p.min[g]),
                                      fmaf(p.scale[g], code_float(biased, b + 1), -p.min[g]));
            *reinterpret_cast<uint2*>(dst + 4 * w) = *reinterpret_cast<const uint2*>(h);
        }
    }
}

template <class C> __global__ void __launch_bounds__(kThreads) gemm_kernel(GemmArgs a) {
    extern __shared__ __align__(128) uint8_t smem[];
    __shared__ int a_rows[BM];
    __shared__ int out_rows[BM];

    __half* As = reinterpret_cast<__half*>(smem);
    __half* Bs = reinterpret_cast<__half*>(smem + kTileA);
    __half* Bs2 = reinterpret_cast<__half*>(smem + kTileA + kTileB);
    const bool paired = a.w2 != nullptr;

    const int group = blockIdx.z;
    int begin = 0, count = a.m;
    if (a.offsets) {
        begin = int(a.offsets[group]);
        count = int(a.offsets[group + 1]) - begin;
    }
    const int m0 = blockIdx.y * BM;
    if (m0 >= count) return;
    const int n0 = blockIdx.x * BN;
    const size_t matrix = a.group_ids ? size_t(a.group_ids[group]) : size_t(group);
    const uint8_t* w = a.w + matrix * a.matrix_stride;
    const uint8_t* w2 = paired ? a.w2 + matrix * a.matrix_stride : nullptr;

    for (int i = threadIdx.x; i < BM; i += kThreads) {
        int ar = -1, orow = -1;
        if (m0 + i < count) {
            if (a.list) {
                const uint32_t pair = a.list[begin + m0 + i];
                ar = int(pair / a.a_row_divisor);
                orow = int(pair);
            } else {
                ar = orow = m0 + i;
            }
        }
        a_rows[i] = ar;
        out_rows[i] = orow;
    }
    __syncthreads();

    const int warp = threadIdx.x / 32;
    const int wm = warp / 2, wn = warp % 2; // 4 × 2 warps, each 32 × 32
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2], acc2[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            wmma::fill_fragment(acc[i][j], 0.0f);
            wmma::fill_fragment(acc2[i][j], 0.0f);
        }

    constexpr int kPart = kIsFloat<C> ? 32 : C::kPartValues;
    constexpr int kPartsPerRow = KC / kPart;
    for (int k0 = 0; k0 < a.k; k0 += KC) {
        // Activations: 8 halves per 16-byte vector; zeros past the rows and the length.
        for (int v = threadIdx.x; v < BM * KC / 8; v += kThreads) {
            const int r = v / (KC / 8), c = (v % (KC / 8)) * 8;
            uint4 val = make_uint4(0, 0, 0, 0);
            const int ar = a_rows[r];
            if (ar >= 0) {
                const __half* src = a.a + size_t(ar) * a.a_stride + k0 + c;
                if (k0 + c + 8 <= a.k) {
                    val = *reinterpret_cast<const uint4*>(src);
                } else {
                    __half tmp[8];
#pragma unroll
                    for (int e = 0; e < 8; ++e)
                        tmp[e] = k0 + c + e < a.k ? src[e] : __float2half(0.0f);
                    val = *reinterpret_cast<const uint4*>(tmp);
                }
            }
            *reinterpret_cast<uint4*>(As + r * LD + c) = val;
        }
        // Weights: one part per item.
        const int n_mats = paired ? 2 : 1;
        for (int item = threadIdx.x; item < BN * kPartsPerRow * n_mats; item += kThreads) {
            const int m = item / (BN * kPartsPerRow);
            const int rest = item % (BN * kPartsPerRow);
            const int r = rest / kPartsPerRow, part = rest % kPartsPerRow;
            const int kk = k0 + part * kPart;
            __half* dst = (m ? Bs2 : Bs) + r * LD + part * kPart;
            if (n0 + r < a.n_rows && kk < a.k) {
                const uint8_t* row = (m ? w2 : w) + size_t(n0 + r) * a.row_stride;
                decode_to_half<C>(row, kk, a.k, dst);
            } else {
#pragma unroll
                for (int e = 0; e < kPart; e += 8)
                    *reinterpret_cast<uint4*>(dst + e) = make_uint4(0, 0, 0, 0);
            }
        }
        __syncthreads();

#pragma unroll
        for (int kk = 0; kk < KC; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; ++i)
                wmma::load_matrix_sync(fa[i], As + (wm * 32 + i * 16) * LD + kk, LD);
#pragma unroll
            for (int j = 0; j < 2; ++j)
                wmma::load_matrix_sync(fb[j], Bs + (wn * 32 + j * 16) * LD + kk, LD);
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
            if (paired) {
#pragma unroll
                for (int j = 0; j < 2; ++j)
                    wmma::load_matrix_sync(fb[j], Bs2 + (wn * 32 + j * 16) * LD + kk, LD);
#pragma unroll
                for (int i = 0; i < 2; ++i)
#pragma unroll
                    for (int j = 0; j < 2; ++j)
                        wmma::mma_sync(acc2[i][j], fa[i], fb[j], acc2[i][j]);
            }
        }
        __syncthreads();
    }

    // Through shared memory to the outputs (the tiles are free now).
    float* Cs = reinterpret_cast<float*>(smem);
    float* Cs2 = Cs + BM * LDC;
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            float* at = Cs + (wm * 32 + i * 16) * LDC + wn * 32 + j * 16;
            wmma::store_matrix_sync(at, acc[i][j], LDC, wmma::mem_row_major);
            if (paired)
                wmma::store_matrix_sync(at + BM * LDC, acc2[i][j], LDC, wmma::mem_row_major);
        }
    __syncthreads();
    if (a.output == GemmOutput::SiluMulHalf) {
        // silu(gate) · up in place, then (optionally) each run of 32 columns of
        // a row onto its int8 grid: a warp per run, a lane per column.
        for (int e = threadIdx.x; e < BM * BN; e += kThreads) {
            const int r = e / BN, c = e % BN;
            Cs[r * LDC + c] = silu(Cs[r * LDC + c]) * Cs2[r * LDC + c];
        }
        __syncthreads();
        const int lane = threadIdx.x % 32;
        for (int run = warp; run < BM * (BN / 32); run += kThreads / 32) {
            const int r = run / (BN / 32), c = (run % (BN / 32)) * 32 + lane;
            const int orow = out_rows[r];
            if (orow < 0) continue; // uniform across the warp
            float v = Cs[r * LDC + c];
            if (a.half_int8_grid) {
                float amax = fabsf(v);
#pragma unroll
                for (int o = 16; o > 0; o >>= 1)
                    amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
                const int q =
                    amax > 0.0f ? __float2int_rn(fminf(127.0f, fmaxf(-127.0f, v * (127.0f / amax))))
                                : 0;
                v = float(q) * (amax / 127.0f);
            }
            if (n0 + c < a.n_rows)
                static_cast<__half*>(a.out)[size_t(orow) * a.out_stride + n0 + c] =
                    __float2half_rn(v);
        }
        return;
    }
    for (int e = threadIdx.x; e < BM * BN; e += kThreads) {
        const int r = e / BN, c = e % BN;
        const int orow = out_rows[r];
        if (orow < 0 || n0 + c >= a.n_rows) continue;
        const size_t at = size_t(orow) * a.out_stride + n0 + c;
        const float v = Cs[r * LDC + c];
        if (a.output == GemmOutput::Store)
            static_cast<float*>(a.out)[at] = v;
        else
            static_cast<float*>(a.out)[at] += v;
    }
}

template <class C> void launch(const GemmProblem& p, cudaStream_t stream) {
    const bool paired = p.output == GemmOutput::SiluMulHalf;
    const size_t smem_tiles = kTileA + kTileB * (paired ? 2 : 1);
    const size_t smem_out = size_t(BM) * LDC * sizeof(float) * (paired ? 2 : 1);
    const size_t smem = smem_tiles > smem_out ? smem_tiles : smem_out;
    static const bool raised = [] {
        // Both sizes this kernel is launched with exceed the 48 KB default.
        check_cuda(cudaFuncSetAttribute(gemm_kernel<C>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        int(kTileA + 2 * kTileB)),
                   "raising the GEMM shared memory limit");
        return true;
    }();
    (void)raised;

    GemmArgs a{};
    a.w = p.w.data;
    a.w2 = paired ? p.w2.data : nullptr;
    a.row_stride = p.w.row_stride;
    a.matrix_stride = p.w.matrix_stride;
    a.n_rows = int(p.w.n_rows);
    a.k = int(p.w.row_length);
    a.a = p.a;
    a.a_stride = p.a_stride;
    a.m = int(p.m);
    a.offsets = p.offsets;
    a.list = p.list;
    a.a_row_divisor = p.a_row_divisor ? p.a_row_divisor : 1;
    a.group_ids = p.group_ids;
    a.half_int8_grid = p.half_int8_grid;
    a.out = p.out;
    a.out_stride = p.out_stride;
    a.output = p.output;
    const unsigned groups = p.offsets ? unsigned(p.w.count) : 1u;
    const dim3 grid(unsigned((p.w.n_rows + BN - 1) / BN), unsigned((p.m + BM - 1) / BM), groups);
    gemm_kernel<C><<<grid, kThreads, smem, stream>>>(a);
    check_launch("gemm");
}

} // namespace

void gemm(const GemmProblem& p, cudaStream_t stream) {
    if (p.m == 0 || p.w.n_rows == 0) return;
    if (p.w.row_length == 0 || p.w.n_rows > (1u << 30) || p.w.row_length > (1u << 30) ||
        p.m > (size_t(65535) * BM) || (p.offsets && p.w.count > 65535))
        throw Error("gemm: unsupported shape");
    if (p.a_stride % 8 || reinterpret_cast<uintptr_t>(p.a) % 16)
        throw Error("gemm: activation rows must be 16-byte aligned");
    if (p.output == GemmOutput::SiluMulHalf &&
        (p.w2.empty() || p.w2.format != p.w.format || p.w2.row_stride != p.w.row_stride ||
         p.w2.matrix_stride != p.w.matrix_stride))
        throw Error("gemm: SiluMulHalf needs a second matrix shaped like the first");
    if ((p.offsets == nullptr) != (p.list == nullptr))
        throw Error("gemm: grouping needs both offsets and the pair list");
    if (p.group_ids && !p.offsets) throw Error("gemm: group ids need grouping");
    const bool ok =
        visit_format(p.w.format, [&](auto codec) { launch<decltype(codec)>(p, stream); });
    if (!ok)
        throw Error("gemm: no CUDA kernel for " + std::string(quant::format_name(p.w.format)) +
                    " weights");
}

} // namespace hoard::backend::cuda
