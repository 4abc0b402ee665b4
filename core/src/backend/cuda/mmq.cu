// Quantized matrix products with int8 activations (see mmq.hpp). A block of
// 128 threads computes 32 weight rows × 32 tokens: per chunk of 256 values it
// copies the tokens' int8 codes and steps into shared memory, each warp
// decodes its 8 rows' parts there (block_codec, as the decode path does), and
// each lane then dots its token's codes with every decoded part by dp4a,
// scaling each group's integer sum exactly as the matrix-vector kernel does.
#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/mmq.hpp"
#include "hoard/error.hpp"

#include <cstdlib>
#include <string>

namespace hoard::backend::cuda {
namespace {

using namespace codec;

constexpr int kThreads = 128, kWarps = kThreads / 32;
constexpr int kRowsPerWarp = 8, kRows = kWarps * kRowsPerWarp; // 32 weight rows per block
constexpr int kTokens = 32;                                    // one per lane
constexpr int KC = 256;                                        // values per chunk
constexpr int kXStride = KC + 16; // bytes per token row: 16-byte loads of 8 lanes hit 8 bank quads

struct MmqArgs {
    const uint8_t* w;
    const uint8_t* w2;
    size_t row_stride;
    size_t matrix_stride;
    int n_rows;
    int k;
    const uint8_t* a;
    size_t a_stride;
    int m;
    const uint32_t* offsets;
    const uint32_t* list;
    uint32_t a_row_divisor;
    const int32_t* group_ids;
    void* out;
    size_t out_stride;
    MmqOutput output;
};

__device__ __forceinline__ float silu(float v) {
    return v / (1.0f + __expf(-v));
}

// Token slot i of a tile (from m0 of a group of `count` starting at `begin`):
// the activation row it reads and the output row it writes (-1: past the group).
__device__ __forceinline__ void tile_rows(const MmqArgs& a, int begin, int count, int m0, int i,
                                          int* a_rows, int* out_rows) {
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

template <class C> __global__ void __launch_bounds__(kThreads) mmq_kernel(MmqArgs a) {
    constexpr int P = C::kPartValues, G = C::kGroup;
    constexpr int kParts = KC / P, kGroupsPerPart = P / G, kGroupsPerChunk = KC / G;
    __shared__ __align__(16) uint8_t xs[kTokens][kXStride];
    __shared__ float xd[kTokens][KC / 32];
    __shared__ __align__(16) uint8_t codes[2][kWarps][kRowsPerWarp][KC];
    __shared__ float2 scale_min[2][kWarps][kRowsPerWarp][kGroupsPerChunk];
    __shared__ int a_rows[kTokens], out_rows[kTokens];

    const int group = blockIdx.z;
    int begin = 0, count = a.m;
    if (a.offsets) {
        begin = int(a.offsets[group]);
        count = int(a.offsets[group + 1]) - begin;
    }
    const int m0 = blockIdx.y * kTokens;
    if (m0 >= count) return;
    const int n0 = blockIdx.x * kRows;
    const size_t matrix = a.group_ids ? size_t(a.group_ids[group]) : size_t(group);
    const uint8_t* w = a.w + matrix * a.matrix_stride;
    const uint8_t* w2 = a.w2 ? a.w2 + matrix * a.matrix_stride : nullptr;
    const int n_mats = w2 ? 2 : 1;

    if (threadIdx.x < kTokens) tile_rows(a, begin, count, m0, threadIdx.x, a_rows, out_rows);
    __syncthreads();

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const size_t scales_at = int8_scales_offset(size_t(a.k));
    float acc[2][kRowsPerWarp] = {};
    for (int k0 = 0; k0 < a.k; k0 += KC) {
        const int kc = min(KC, a.k - k0); // a multiple of P
        // The tokens' int8 codes and steps of this chunk.
        for (int v = threadIdx.x; v < kTokens * (KC / 16); v += kThreads) {
            const int r = v / (KC / 16), c = (v % (KC / 16)) * 16;
            uint4 val = make_uint4(0, 0, 0, 0);
            const int ar = a_rows[r];
            if (ar >= 0 && c < kc)
                val = *reinterpret_cast<const uint4*>(a.a + size_t(ar) * a.a_stride + k0 + c);
            *reinterpret_cast<uint4*>(&xs[r][c]) = val;
        }
        for (int v = threadIdx.x; v < kTokens * (KC / 32); v += kThreads) {
            const int r = v / (KC / 32), b = v % (KC / 32);
            const int ar = a_rows[r];
            float d = 0.0f;
            if (ar >= 0 && b * 32 < kc)
                d = reinterpret_cast<const float*>(a.a + size_t(ar) * a.a_stride +
                                                   scales_at)[k0 / 32 + b];
            xd[r][b] = d;
        }
        // This warp's rows, part by part.
        const int parts = kc / P;
        for (int item = lane; item < n_mats * kRowsPerWarp * kParts; item += 32) {
            const int mat = item / (kRowsPerWarp * kParts);
            const int rest = item % (kRowsPerWarp * kParts);
            const int r = rest / kParts, j = rest % kParts;
            const int row = n0 + warp * kRowsPerWarp + r;
            uint4* dst = reinterpret_cast<uint4*>(&codes[mat][warp][r][j * P]);
            float2* sm = &scale_min[mat][warp][r][j * kGroupsPerPart];
            if (row < a.n_rows && j < parts) {
                typename C::Part p;
                const int value = k0 + j * P;
                const uint8_t* src = (mat ? w2 : w) + size_t(row) * a.row_stride +
                                     size_t(value / C::kBlockElems) * C::kBlockBytes;
                C::decode(src, (value % C::kBlockElems) / P, p);
#pragma unroll
                for (int q = 0; q < P / 16; ++q)
                    dst[q] = make_uint4(p.q[4 * q], p.q[4 * q + 1], p.q[4 * q + 2], p.q[4 * q + 3]);
#pragma unroll
                for (int g = 0; g < kGroupsPerPart; ++g) sm[g] = make_float2(p.scale[g], p.min[g]);
            } else {
#pragma unroll
                for (int q = 0; q < P / 16; ++q) dst[q] = make_uint4(0, 0, 0, 0);
#pragma unroll
                for (int g = 0; g < kGroupsPerPart; ++g) sm[g] = make_float2(0.0f, 0.0f);
            }
        }
        __syncthreads();

        // Lane = token: its codes of each part against every row's.
        const int t = lane;
        for (int j = 0; j < parts; ++j) {
            int4 xw[P / 16];
#pragma unroll
            for (int v = 0; v < P / 16; ++v)
                xw[v] = *reinterpret_cast<const int4*>(&xs[t][j * P + 16 * v]);
            int sx[kGroupsPerPart] = {};
            float step[kGroupsPerPart];
#pragma unroll
            for (int g = 0; g < kGroupsPerPart; ++g) {
                if constexpr (C::kHasMin) {
#pragma unroll
                    for (int v = 0; v < G / 16; ++v) {
                        const int4 x = xw[g * (G / 16) + v];
                        sx[g] = __dp4a(0x01010101, x.x, sx[g]);
                        sx[g] = __dp4a(0x01010101, x.y, sx[g]);
                        sx[g] = __dp4a(0x01010101, x.z, sx[g]);
                        sx[g] = __dp4a(0x01010101, x.w, sx[g]);
                    }
                }
                step[g] = xd[t][(j * P + g * G) / 32];
            }
#pragma unroll
            for (int mat = 0; mat < 2; ++mat) {
                if (mat == n_mats) break;
#pragma unroll
                for (int r = 0; r < kRowsPerWarp; ++r) {
                    const int4* cw = reinterpret_cast<const int4*>(&codes[mat][warp][r][j * P]);
#pragma unroll
                    for (int g = 0; g < kGroupsPerPart; ++g) {
                        int s = 0;
#pragma unroll
                        for (int v = 0; v < G / 16; ++v) {
                            const int4 c = cw[g * (G / 16) + v];
                            const int4 x = xw[g * (G / 16) + v];
                            s = __dp4a(c.x, x.x, s);
                            s = __dp4a(c.y, x.y, s);
                            s = __dp4a(c.z, x.z, s);
                            s = __dp4a(c.w, x.w, s);
                        }
                        const float2 sm = scale_min[mat][warp][r][j * kGroupsPerPart + g];
                        float term = sm.x * float(s);
                        if constexpr (C::kHasMin) term -= sm.y * float(sx[g]);
                        acc[mat][r] = fmaf(step[g], term, acc[mat][r]);
                    }
                }
            }
        }
        __syncthreads(); // the tiles are refilled by the next chunk
    }

    const int t = lane;
    if (a.output != MmqOutput::SiluMulInt8) {
        const int orow = out_rows[t];
        if (orow < 0) return;
        float* out = static_cast<float*>(a.out) + size_t(orow) * a.out_stride;
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
            const int col = n0 + warp * kRowsPerWarp + r;
            if (col >= a.n_rows) break;
            if (a.output == MmqOutput::Store)
                out[col] = acc[0][r];
            else
                out[col] += acc[0][r];
        }
        return;
    }
    // silu(gate) · up, then each token's 32 columns onto their int8 grid: a
    // warp per token, a lane per column.
    float(*h)[kRows + 1] = reinterpret_cast<float(*)[kRows + 1]>(&xs[0][0]);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
        h[t][warp * kRowsPerWarp + r] = silu(acc[0][r]) * acc[1][r];
    __syncthreads();
    for (int tt = warp; tt < kTokens; tt += kWarps) {
        const int orow = out_rows[tt];
        if (orow < 0) continue; // uniform across the warp
        const float v = n0 + lane < a.n_rows ? h[tt][lane] : 0.0f;
        float amax = fabsf(v);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
        const int q =
            amax > 0.0f ? __float2int_rn(fminf(127.0f, fmaxf(-127.0f, v * (127.0f / amax)))) : 0;
        uint8_t* out = static_cast<uint8_t*>(a.out) + size_t(orow) * a.out_stride;
        if (n0 + lane < a.n_rows) reinterpret_cast<int8_t*>(out)[n0 + lane] = int8_t(q);
        if (lane == 0)
            reinterpret_cast<float*>(out + int8_scales_offset(size_t(a.n_rows)))[n0 / 32] =
                amax / 127.0f;
    }
}

// --- Tensor-core form (sm_80 and later) ---------------------------------------
// The same sums on the int8 tensor cores: a block of 128 threads computes 64
// weight rows × 64 tokens; per chunk of 256 values the tokens' codes and the
// decoded weight codes sit in shared memory, and for each group of 16 or 32
// values (one scale) the warps issue mma.sync s8 products (m16n8k16 or
// m16n8k32) whose exact int32 sums are scaled into float accumulators.

constexpr int IM_BM = 64, IM_BN = 64, IM_S = KC + 16;

template <class C> struct Imma {
    static constexpr int P = C::kPartValues, G = C::kGroup;
    static constexpr int KS = G == 16 ? 16 : 32; // values per product: one group
    static constexpr int kParts = KC / P, kGroupsPerPart = P / G, kGroups = KC / G;
    // Shared memory: weight codes and (scale, min) of both matrices, token
    // codes, steps and (for formats with mins) step · Σ codes per group.
    static constexpr size_t kWs = 0, kWsm = kWs + 2 * IM_BM * IM_S;
    static constexpr size_t kXs = kWsm + 2 * IM_BM * kGroups * sizeof(float2);
    static constexpr size_t kXd = kXs + IM_BN * IM_S;
    static constexpr size_t kXm = kXd + IM_BN * (KC / 32) * sizeof(float);
    static constexpr size_t kRows = kXm + IM_BN * kGroups * sizeof(float);
    static constexpr size_t kBytes = kRows + 2 * IM_BN * sizeof(int);
};

// Exact float of an int32 below 2^22 in magnitude (no int-to-float unit).
__device__ __forceinline__ float small_int_float(int v) {
    return __int_as_float(v + 0x4B400000) - 12582912.0f;
}

template <int KS>
__device__ __forceinline__ void mma_s8(const uint32_t* a, const uint32_t* b, int* c) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
    if constexpr (KS == 32) {
        asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, "
                     "{%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, "
                     "{%4,%5}, {%6}, {%0,%1,%2,%3};\n"
                     : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(b[0]));
    }
#else
    (void)a, (void)b, (void)c;
    __trap();
#endif
}

template <class C> __global__ void __launch_bounds__(kThreads) imma_kernel(MmqArgs a) {
    using L = Imma<C>;
    constexpr int P = L::P, G = L::G, KS = L::KS, kParts = L::kParts;
    constexpr int kGroupsPerPart = L::kGroupsPerPart, kGroups = L::kGroups;
    extern __shared__ __align__(16) uint8_t smem[];
    uint8_t* ws = smem + L::kWs;
    float2* wsm = reinterpret_cast<float2*>(smem + L::kWsm);
    uint8_t* xs = smem + L::kXs;
    float* xd = reinterpret_cast<float*>(smem + L::kXd);
    float* xm = reinterpret_cast<float*>(smem + L::kXm);
    int* a_rows = reinterpret_cast<int*>(smem + L::kRows);
    int* out_rows = a_rows + IM_BN;

    const int group = blockIdx.z;
    int begin = 0, count = a.m;
    if (a.offsets) {
        begin = int(a.offsets[group]);
        count = int(a.offsets[group + 1]) - begin;
    }
    const int m0 = blockIdx.y * IM_BN;
    if (m0 >= count) return;
    const int n0 = blockIdx.x * IM_BM;
    const size_t matrix = a.group_ids ? size_t(a.group_ids[group]) : size_t(group);
    const uint8_t* w = a.w + matrix * a.matrix_stride;
    const uint8_t* w2 = a.w2 ? a.w2 + matrix * a.matrix_stride : nullptr;
    const int n_mats = w2 ? 2 : 1;

    for (int i = threadIdx.x; i < IM_BN; i += kThreads)
        tile_rows(a, begin, count, m0, i, a_rows, out_rows);
    __syncthreads();

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int wm = warp >> 1, wn = warp & 1; // 2 × 2 warps of 32 rows × 32 tokens
    const size_t scales_at = int8_scales_offset(size_t(a.k));
    float acc[2][2][4][4] = {}; // [matrix][16-row tile][8-token tile][element]
    for (int k0 = 0; k0 < a.k; k0 += KC) {
        const int kc = min(KC, a.k - k0);
        for (int v = threadIdx.x; v < IM_BN * (KC / 16); v += kThreads) {
            const int r = v / (KC / 16), c = (v % (KC / 16)) * 16;
            uint4 val = make_uint4(0, 0, 0, 0);
            const int ar = a_rows[r];
            if (ar >= 0 && c < kc)
                val = *reinterpret_cast<const uint4*>(a.a + size_t(ar) * a.a_stride + k0 + c);
            *reinterpret_cast<uint4*>(xs + r * IM_S + c) = val;
        }
        for (int v = threadIdx.x; v < IM_BN * (KC / 32); v += kThreads) {
            const int r = v / (KC / 32), b = v % (KC / 32);
            const int ar = a_rows[r];
            float d = 0.0f;
            if (ar >= 0 && b * 32 < kc)
                d = reinterpret_cast<const float*>(a.a + size_t(ar) * a.a_stride +
                                                   scales_at)[k0 / 32 + b];
            xd[v] = d;
        }
        const int parts = kc / P;
        for (int item = threadIdx.x; item < n_mats * IM_BM * kParts; item += kThreads) {
            const int mat = item / (IM_BM * kParts);
            const int rest = item % (IM_BM * kParts);
            const int r = rest / kParts, j = rest % kParts;
            const int row = n0 + r;
            uint4* dst = reinterpret_cast<uint4*>(ws + (mat * IM_BM + r) * IM_S + j * P);
            float2* sm = wsm + (mat * IM_BM + r) * kGroups + j * kGroupsPerPart;
            if (row < a.n_rows && j < parts) {
                typename C::Part p;
                const int value = k0 + j * P;
                const uint8_t* src = (mat ? w2 : w) + size_t(row) * a.row_stride +
                                     size_t(value / C::kBlockElems) * C::kBlockBytes;
                C::decode(src, (value % C::kBlockElems) / P, p);
#pragma unroll
                for (int q = 0; q < P / 16; ++q)
                    dst[q] = make_uint4(p.q[4 * q], p.q[4 * q + 1], p.q[4 * q + 2], p.q[4 * q + 3]);
#pragma unroll
                for (int gg = 0; gg < kGroupsPerPart; ++gg)
                    sm[gg] = make_float2(p.scale[gg], p.min[gg]);
            } else {
#pragma unroll
                for (int q = 0; q < P / 16; ++q) dst[q] = make_uint4(0, 0, 0, 0);
#pragma unroll
                for (int gg = 0; gg < kGroupsPerPart; ++gg) sm[gg] = make_float2(0.0f, 0.0f);
            }
        }
        __syncthreads();
        if constexpr (C::kHasMin) {
            // step · Σ codes of each token's group, for the mins.
            for (int v = threadIdx.x; v < IM_BN * kGroups; v += kThreads) {
                const int r = v / kGroups, gi = v % kGroups;
                const int* words = reinterpret_cast<const int*>(xs + r * IM_S + gi * G);
                int s = 0;
#pragma unroll
                for (int q = 0; q < G / 4; ++q) s = __dp4a(0x01010101, words[q], s);
                xm[v] = xd[r * (KC / 32) + gi * G / 32] * float(s);
            }
            __syncthreads();
        }

        for (int ks = 0; ks < kc; ks += KS) {
            const int gi = ks / G;
            uint32_t bf[4][KS / 16];
            float dx[4][2], mx[4][2];
#pragma unroll
            for (int nt = 0; nt < 4; ++nt) {
                const uint8_t* xr = xs + (wn * 32 + nt * 8 + g) * IM_S + ks + 4 * t;
                bf[nt][0] = *reinterpret_cast<const uint32_t*>(xr);
                if constexpr (KS == 32) bf[nt][1] = *reinterpret_cast<const uint32_t*>(xr + 16);
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const int tok = wn * 32 + nt * 8 + 2 * t + e;
                    dx[nt][e] = xd[tok * (KC / 32) + ks / 32];
                    mx[nt][e] = C::kHasMin ? xm[tok * kGroups + gi] : 0.0f;
                }
            }
#pragma unroll
            for (int mat = 0; mat < 2; ++mat) {
                if (mat == n_mats) break;
#pragma unroll
                for (int mt = 0; mt < 2; ++mt) {
                    const int r = wm * 32 + mt * 16 + g;
                    const uint8_t* w0 = ws + (mat * IM_BM + r) * IM_S + ks + 4 * t;
                    const uint8_t* w1 = w0 + 8 * IM_S;
                    uint32_t af[KS / 8];
                    af[0] = *reinterpret_cast<const uint32_t*>(w0);
                    af[1] = *reinterpret_cast<const uint32_t*>(w1);
                    if constexpr (KS == 32) {
                        af[2] = *reinterpret_cast<const uint32_t*>(w0 + 16);
                        af[3] = *reinterpret_cast<const uint32_t*>(w1 + 16);
                    }
                    const float2 s0 = wsm[(mat * IM_BM + r) * kGroups + gi];
                    const float2 s1 = wsm[(mat * IM_BM + r + 8) * kGroups + gi];
#pragma unroll
                    for (int nt = 0; nt < 4; ++nt) {
                        int c[4] = {0, 0, 0, 0};
                        mma_s8<KS>(af, bf[nt], c);
                        float* o = acc[mat][mt][nt];
                        o[0] = fmaf(small_int_float(c[0]) * s0.x, dx[nt][0], o[0]);
                        o[1] = fmaf(small_int_float(c[1]) * s0.x, dx[nt][1], o[1]);
                        o[2] = fmaf(small_int_float(c[2]) * s1.x, dx[nt][0], o[2]);
                        o[3] = fmaf(small_int_float(c[3]) * s1.x, dx[nt][1], o[3]);
                        if constexpr (C::kHasMin) {
                            o[0] = fmaf(-s0.y, mx[nt][0], o[0]);
                            o[1] = fmaf(-s0.y, mx[nt][1], o[1]);
                            o[2] = fmaf(-s1.y, mx[nt][0], o[2]);
                            o[3] = fmaf(-s1.y, mx[nt][1], o[3]);
                        }
                    }
                }
            }
        }
        __syncthreads(); // the tiles are refilled by the next chunk
    }

    // Element e of tile (mt, nt): row wm·32 + mt·16 + g (+8 for e >= 2),
    // token wn·32 + nt·8 + 2t (+1 for odd e).
    if (a.output != MmqOutput::SiluMulInt8) {
#pragma unroll
        for (int mt = 0; mt < 2; ++mt)
#pragma unroll
            for (int nt = 0; nt < 4; ++nt)
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int row = n0 + wm * 32 + mt * 16 + g + (e >= 2 ? 8 : 0);
                    const int orow = out_rows[wn * 32 + nt * 8 + 2 * t + (e & 1)];
                    if (orow < 0 || row >= a.n_rows) continue;
                    float* out = static_cast<float*>(a.out) + size_t(orow) * a.out_stride + row;
                    if (a.output == MmqOutput::Store)
                        *out = acc[0][mt][nt][e];
                    else
                        *out += acc[0][mt][nt][e];
                }
        return;
    }
    float* h = reinterpret_cast<float*>(ws); // [token][IM_BM + 1]
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
        for (int nt = 0; nt < 4; ++nt)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const int r = wm * 32 + mt * 16 + g + (e >= 2 ? 8 : 0);
                const int tok = wn * 32 + nt * 8 + 2 * t + (e & 1);
                h[tok * (IM_BM + 1) + r] = silu(acc[0][mt][nt][e]) * acc[1][mt][nt][e];
            }
    __syncthreads();
    for (int pair = warp; pair < IM_BN * (IM_BM / 32); pair += kThreads / 32) {
        const int tok = pair / (IM_BM / 32), run = pair % (IM_BM / 32);
        const int orow = out_rows[tok];
        if (orow < 0) continue; // uniform across the warp
        const int col = n0 + run * 32 + lane;
        const float v = col < a.n_rows ? h[tok * (IM_BM + 1) + run * 32 + lane] : 0.0f;
        float amax = fabsf(v);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
        const int q =
            amax > 0.0f ? __float2int_rn(fminf(127.0f, fmaxf(-127.0f, v * (127.0f / amax)))) : 0;
        uint8_t* out = static_cast<uint8_t*>(a.out) + size_t(orow) * a.out_stride;
        if (col < a.n_rows) reinterpret_cast<int8_t*>(out)[col] = int8_t(q);
        if (lane == 0 && col < a.n_rows)
            reinterpret_cast<float*>(out + int8_scales_offset(size_t(a.n_rows)))[col / 32] =
                amax / 127.0f;
    }
}

bool tensor_cores() {
    static const bool yes = [] {
        const char* v = std::getenv("HOARD_CUDA_MMQ");
        if (v && std::string(v) == "dp4a") return false;
        int device = 0, major = 0;
        check_cuda(cudaGetDevice(&device), "cudaGetDevice");
        check_cuda(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device),
                   "reading the compute capability");
        return major >= 8;
    }();
    return yes;
}

template <class C> void launch(const MmqProblem& p, cudaStream_t stream) {
    MmqArgs a{};
    a.w = p.w.data;
    a.w2 = p.output == MmqOutput::SiluMulInt8 ? p.w2.data : nullptr;
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
    a.out = p.out;
    a.out_stride = p.out_stride;
    a.output = p.output;
    const unsigned groups = p.offsets ? unsigned(p.w.count) : 1u;
    if (tensor_cores()) {
        static const bool raised = [] {
            check_cuda(cudaFuncSetAttribute(imma_kernel<C>,
                                            cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            int(Imma<C>::kBytes)),
                       "raising the int8 product's shared memory limit");
            return true;
        }();
        (void)raised;
        const dim3 grid(unsigned((p.w.n_rows + IM_BM - 1) / IM_BM),
                        unsigned((p.m + IM_BN - 1) / IM_BN), groups);
        imma_kernel<C><<<grid, kThreads, Imma<C>::kBytes, stream>>>(a);
        check_launch("mmq (tensor cores)");
        return;
    }
    const dim3 grid(unsigned((p.w.n_rows + kRows - 1) / kRows),
                    unsigned((p.m + kTokens - 1) / kTokens), groups);
    mmq_kernel<C><<<grid, kThreads, 0, stream>>>(a);
    check_launch("mmq");
}

} // namespace

bool mmq_supports(quant::BlockFormat format) {
    bool ok = false;
    visit_format(format, [&](auto codec) { ok = !kIsFloat<decltype(codec)>; });
    return ok;
}

bool int8_batches() {
    static const bool int8 = [] {
        const char* v = std::getenv("HOARD_CUDA_F16_PREFILL");
        return !(v && *v && *v != '0');
    }();
    return int8;
}

void mmq(const MmqProblem& p, cudaStream_t stream) {
    if (p.m == 0 || p.w.n_rows == 0) return;
    if (!mmq_supports(p.w.format))
        throw Error("mmq: no int8 kernel for " + std::string(quant::format_name(p.w.format)) +
                    " weights");
    if (p.w.row_length == 0 || p.w.row_length % 32 || p.w.n_rows > (1u << 30) ||
        p.w.row_length > (1u << 30) || p.m > size_t(65535) * kTokens ||
        (p.offsets && p.w.count > 65535))
        throw Error("mmq: unsupported shape");
    if (p.a_stride % 16 || reinterpret_cast<uintptr_t>(p.a) % 16)
        throw Error("mmq: activation rows must be 16-byte aligned");
    if ((p.offsets == nullptr) != (p.list == nullptr) || (p.group_ids && !p.offsets))
        throw Error("mmq: grouping needs offsets and the pair list");
    if (p.output == MmqOutput::SiluMulInt8 &&
        (p.w2.empty() || p.w2.format != p.w.format || p.w2.row_stride != p.w.row_stride ||
         p.w2.matrix_stride != p.w.matrix_stride || p.w.n_rows % 32 ||
         p.out_stride < int8_row_bytes(p.w.n_rows)))
        throw Error("mmq: SiluMulInt8 needs a second matrix shaped like the first, rows in "
                    "32s and room for the int8 rows");
    visit_format(p.w.format, [&](auto codec) {
        using C = decltype(codec);
        if constexpr (!kIsFloat<C>) launch<C>(p, stream);
    });
}

} // namespace hoard::backend::cuda
