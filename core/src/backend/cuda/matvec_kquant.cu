// Decode matrix-vector products for q4_K and q6_K weights, loaded straight
// from global memory into registers (no shared-memory staging).
//
// A warp walks a row in steps of 4 superblocks (1024 values), 8 lanes per
// superblock: each lane loads 16 code bytes per row with one 16-byte load,
// the 8 lanes of a superblock reading consecutive words. A lane owns 32
// values of the step (see the codecs below), loads their int8 activations
// once per step and uses them for the kRows x kMats rows the warp carries,
// whose loads are all issued before any result is waited for. Per 32-value
// group (q4_K) or 16-value group (q6_K) the arithmetic is the staged
// kernel's (dot_part in matvec.cu): integer sums by dp4a, then
// term = scale * s - min * sx and acc = fma(xd, term, acc); only the order in
// which a row's group terms are added differs.
//
// A block holds 4 warps: 4 / split row groups of kRows rows, each row group's
// steps shared by `split` warps, whose partial sums meet in shared memory.
#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/matvec_kquant.hpp"
#include "backend/cuda/matvec_output.cuh"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace hoard::backend::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kStepBlocks = 4; // superblocks per warp step: 8 lanes each
constexpr unsigned kAll = 0xffffffffu;

struct KArgs {
    const uint8_t* w;
    const uint8_t* w2;
    size_t row_stride;
    size_t matrix_stride;
    int n_rows;
    int n_blocks; // superblocks per row
    const int32_t* ids;
    const int32_t* rows;
    const uint8_t* x;
    size_t x_stride;
    size_t xd_offset; // bytes from an activation row to its float steps
    float* out;
    size_t out_stride;
    MatvecOutput output;
    int split; // warps sharing one row group's steps: 1, 2 or 4
};

__device__ __forceinline__ uint4 load16(const uint8_t* p) {
    return __ldg(reinterpret_cast<const uint4*>(p));
}
// Codes read once: not kept in L1, so the activations stay there (q4_K
// +2..5 % on the H200; q6_K re-reads its words around each 16 bytes from L1).
__device__ __forceinline__ uint4 load16_once(const uint8_t* p) {
    uint4 v;
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
        : "l"(p));
    return v;
}
__device__ __forceinline__ int4 load16x(const int8_t* p) {
    return __ldg(reinterpret_cast<const int4*>(p));
}
__device__ __forceinline__ int word(const int4& v, int i) {
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}
__device__ __forceinline__ uint32_t word(const uint4& v, int i) {
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}
__device__ __forceinline__ float half_bits(uint32_t bits) {
    return __half2float(__ushort_as_half(static_cast<unsigned short>(bits)));
}
// Σ x of the four int8 bytes of `x`, plus c.
__device__ __forceinline__ int byte_sum(int x, int c) {
    return __dp4a(0x01010101, x, c);
}
// c + Σ a_i b_i over unsigned bytes a and signed bytes b.
__device__ __forceinline__ int dp4a_us(uint32_t a, int b, int c) {
    int d;
    asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
    return d;
}

// q4_K: lane 8j + 2c + h reads the 16 code bytes 16h .. 16h + 15 of part c
// (qs bytes 32c ..) of superblock j: the low nibbles are values 16h.. of
// group 2c, the high ones values 16h.. of group 2c + 1. The lane finishes
// group 2c + h, taking the other half's integer sum from its partner lane.
struct Q4K {
    static constexpr int kBytes = 144;
    static constexpr int kMaxStreams = 4; // rows in flight per warp
    struct X {
        int4 lo, hi; // activations of the lane's values in groups 2c and 2c + 1
        float d;     // step of group 2c + h
        int sum;     // Σ activation codes over group 2c + h
    };
    struct Raw {
        uint4 qs;      // the lane's codes
        uint32_t head; // word lane % 4 of the superblock's d, dmin and 12 scale bytes
    };

    __device__ static X load_x(const int8_t* x, const float* xd, int block, int lane) {
        X v;
        const int value = block * 256 + ((lane >> 1) & 3) * 64 + (lane & 1) * 16;
        v.lo = load16x(x + value);
        v.hi = load16x(x + value + 32);
        v.d = __ldg(xd + block * 8 + (lane & 7)); // group 2c + h of the superblock
        return v;
    }
    // Once the step's weight loads are issued: Σ x over the lane's group, half
    // of it from the partner lane.
    __device__ static void finish_x(X& v, int lane) {
        int lo = 0, hi = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            lo = byte_sum(word(v.lo, i), lo);
            hi = byte_sum(word(v.hi, i), hi);
        }
        const bool second = lane & 1;
        v.sum = (second ? hi : lo) + __shfl_xor_sync(kAll, second ? lo : hi, 1);
    }

    __device__ static Raw load(const uint8_t* block, int lane) {
        Raw r;
        r.qs = load16_once(block + 16 + ((lane >> 1) & 3) * 32 + (lane & 1) * 16);
        r.head = __ldg(reinterpret_cast<const uint32_t*>(block) + (lane & 3));
        return r;
    }

    __device__ static float dot(const Raw& r, const X& x, int lane, float acc) {
        int lo = 0, hi16 = 0; // hi16: the high nibbles' sum times 16 (masked, not shifted)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const uint32_t q = word(r.qs, i);
            lo = dp4a_us(q & 0x0f0f0f0fu, word(x.lo, i), lo);
            hi16 = dp4a_us(q & 0xf0f0f0f0u, word(x.hi, i), hi16);
        }
        const int hi = hi16 >> 4;
        const bool second = lane & 1;
        const int s = (second ? hi : lo) + __shfl_xor_sync(kAll, second ? lo : hi, 1);
        // The head's words from the superblock's first four lanes (one register
        // per row in flight instead of four), then k4_scale_min of group
        // g = 2c + h: bytes g & 3 of scale words 1..3.
        const int first = lane & ~7;
        const uint32_t w0 = __shfl_sync(kAll, r.head, first),
                       w1 = __shfl_sync(kAll, r.head, first + 1),
                       w2 = __shfl_sync(kAll, r.head, first + 2),
                       w3 = __shfl_sync(kAll, r.head, first + 3);
        const int g = lane & 7;
        const uint32_t pick = 0x4440u | uint32_t(g & 3);
        const int a = int(__byte_perm(w1, 0, pick)), b = int(__byte_perm(w2, 0, pick)),
                  e = int(__byte_perm(w3, 0, pick));
        const bool high = g >= 4;
        const int sc = high ? ((e & 15) | ((a >> 6) << 4)) : (a & 63);
        const int mn = high ? ((e >> 4) | ((b >> 6) << 4)) : (b & 63);
        const float scale = codec::mul_rn(half_bits(w0), float(sc));
        const float min = codec::mul_rn(half_bits(w0 >> 16), float(mn));
        // dot_part's scale * s - min * sx in the form the compiler gives it there
        // (the second product rounded, the first fused: seen in its machine code).
        const float term = __fmaf_rn(scale, float(s), -__fmul_rn(min, float(x.sum)));
        return fmaf(x.d, term, acc);
    }
};

// The 16 bytes at offset `offset` (even) of the 32 bytes lo:hi.
__device__ __forceinline__ void realign(const uint4& lo, const uint4& hi, int offset,
                                        uint32_t (&out)[4]) {
    const uint32_t w[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
    const bool by8 = offset & 8, by4 = offset & 4;
    uint32_t v[6], u[5];
#pragma unroll
    for (int i = 0; i < 6; ++i) v[i] = by8 ? w[i + 2] : w[i];
#pragma unroll
    for (int i = 0; i < 5; ++i) u[i] = by4 ? v[i + 1] : v[i];
#pragma unroll
    for (int i = 0; i < 4; ++i) out[i] = __funnelshift_r(u[i], u[i + 1], 8 * (offset & 3));
}

// q6_K: lane 8j + 4h + 2m + t reads ql bytes 64h + 32m + 16t .. + 15 of
// superblock j (low nibbles: values 16t.. of part (h, m); high nibbles: of
// part (h, m + 2)) and qh bytes 32h + 16t .. + 15 (bits 2m and 2m + 4 of
// the same values), so it holds two whole groups of 16. Superblocks are
// 210 bytes, so each 16 bytes come from the two aligned words around them.
// Codes are taken unsigned (0..63): Σ (u - 32) x = Σ u x - 32 Σ x exactly.
struct Q6K {
    static constexpr int kBytes = 210;
    static constexpr int kMaxStreams = 2;
    struct X {
        int4 a, b;    // activations of the lane's values in parts (h, m) and (h, m + 2)
        float da, db; // their steps
        int sa, sb;   // Σ of each
    };
    struct Raw {
        uint4 ql0, ql1, qh0, qh1; // aligned words around the lane's ql and qh bytes
        int sa, sb;               // the two groups' int8 scales
        uint32_t d;
        int offset; // the superblock's address mod 16
    };

    __device__ static X load_x(const int8_t* x, const float* xd, int block, int lane) {
        X v;
        const int value =
            block * 256 + ((lane >> 2) & 1) * 128 + ((lane >> 1) & 1) * 32 + (lane & 1) * 16;
        v.a = load16x(x + value);
        v.b = load16x(x + value + 64);
        // Steps value / 32 and value / 32 + 2 (value / 32 = m mod 4): one aligned load.
        const float4 d = __ldg(reinterpret_cast<const float4*>(xd + (value / 32 & ~3)));
        const bool odd = (lane >> 1) & 1;
        v.da = odd ? d.y : d.x;
        v.db = odd ? d.w : d.z;
        return v;
    }
    __device__ static void finish_x(X& v, int) {
        v.sa = v.sb = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            v.sa = byte_sum(word(v.a, i), v.sa);
            v.sb = byte_sum(word(v.b, i), v.sb);
        }
    }

    __device__ static Raw load(const uint8_t* block, int lane) {
        Raw r;
        const int h = (lane >> 2) & 1, m = (lane >> 1) & 1, t = lane & 1;
        r.offset = int(reinterpret_cast<uintptr_t>(block) & 15);
        const uint8_t* aligned = block - r.offset;
        const uint8_t* ql = aligned + 64 * h + 32 * m + 16 * t;
        const uint8_t* qh = aligned + 128 + 32 * h + 16 * t;
        // The second words stay inside the superblock (qh ends 18 bytes before it).
        r.ql0 = load16(ql);
        r.ql1 = load16(ql + 16);
        r.qh0 = load16(qh);
        r.qh1 = load16(qh + 16);
        const uint8_t* sc = block + 192 + 8 * h + 2 * m + t;
        r.sa = static_cast<int8_t>(__ldg(sc));
        r.sb = static_cast<int8_t>(__ldg(sc + 4));
        r.d = __ldg(reinterpret_cast<const unsigned short*>(block + 208));
        return r;
    }

    __device__ static float dot(const Raw& r, const X& x, int lane, float acc) {
        uint32_t ql[4], qh[4];
        realign(r.ql0, r.ql1, r.offset, ql);
        realign(r.qh0, r.qh1, r.offset, qh);
        const int m2 = 2 * ((lane >> 1) & 1);
        int sa = 0, sb = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            // Two high bits at 2m (part m) and 2m + 4 (part m + 2) moved to bits 4..5.
            const uint32_t ua = (ql[i] & 0x0f0f0f0fu) | ((qh[i] << (4 - m2)) & 0x30303030u);
            const uint32_t ub = ((ql[i] >> 4) & 0x0f0f0f0fu) | ((qh[i] >> m2) & 0x30303030u);
            sa = dp4a_us(ua, word(x.a, i), sa);
            sb = dp4a_us(ub, word(x.b, i), sb);
        }
        sa -= 32 * x.sa;
        sb -= 32 * x.sb;
        const float d = half_bits(r.d);
        acc = fmaf(x.da, __fmul_rn(codec::mul_rn(d, float(r.sa)), float(sa)), acc);
        return fmaf(x.db, __fmul_rn(codec::mul_rn(d, float(r.sb)), float(sb)), acc);
    }
};

__device__ __forceinline__ void emit(const KArgs& a, size_t io_row, int row, float v, float v2) {
    write_output(a.out + io_row * a.out_stride + row, a.output, v, v2);
}

template <class K, int kRows, int kMats>
__global__ void __launch_bounds__(kThreads, 7) kquant_kernel(KArgs a) {
    __shared__ float partial[kWarps][kMats][kRows];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int split = a.split, group = warp / split, part = warp % split;
    const int rows_per_block = kWarps / split * kRows;

    const int problem = blockIdx.y;
    const size_t matrix = a.ids ? size_t(a.ids[problem]) : size_t(problem);
    const size_t io_row = a.rows ? size_t(a.rows[problem]) : size_t(problem);
    const uint8_t* xrow = a.x + io_row * a.x_stride;
    const auto* x = reinterpret_cast<const int8_t*>(xrow);
    const auto* xd = reinterpret_cast<const float*>(xrow + a.xd_offset);

    // Rows past the end repeat the last row (their results are not written):
    // stream r reads row r0 + rr[r].
    const int r0 = blockIdx.x * rows_per_block + group * kRows;
    const int first = min(r0, a.n_rows - 1);
    const uint32_t stride = uint32_t(a.row_stride);
    const uint8_t* row0[kMats];
#pragma unroll
    for (int m = 0; m < kMats; ++m)
        row0[m] = (m ? a.w2 : a.w) + matrix * a.matrix_stride + size_t(first) * a.row_stride;
    uint32_t rr[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) rr[r] = uint32_t(min(r, max(a.n_rows - 1 - r0, 0)));

    float acc[kMats][kRows] = {};
    const int n_steps = (a.n_blocks + kStepBlocks - 1) / kStepBlocks;
    for (int step = part; step < n_steps; step += split) {
        // Lanes past the row's end read its last superblock and drop the result.
        const int wanted = step * kStepBlocks + lane / 8;
        const bool valid = wanted < a.n_blocks;
        const int block = min(wanted, a.n_blocks - 1);
        // Every load of the step is issued before anything waits on one.
        typename K::X xv = K::load_x(x, xd, block, lane);
        typename K::Raw raw[kMats][kRows];
#pragma unroll
        for (int m = 0; m < kMats; ++m) {
            const uint8_t* at = row0[m] + uint32_t(block) * uint32_t(K::kBytes);
#pragma unroll
            for (int r = 0; r < kRows; ++r)
                raw[m][r] = K::load(at + size_t(rr[r]) * size_t(stride), lane);
        }
        K::finish_x(xv, lane);
#pragma unroll
        for (int m = 0; m < kMats; ++m)
#pragma unroll
            for (int r = 0; r < kRows; ++r) {
                const float v = K::dot(raw[m][r], xv, lane, acc[m][r]);
                acc[m][r] = valid ? v : acc[m][r];
            }
    }

#pragma unroll
    for (int m = 0; m < kMats; ++m)
#pragma unroll
        for (int r = 0; r < kRows; ++r)
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) acc[m][r] += __shfl_xor_sync(kAll, acc[m][r], o);

    if (split == 1) {
        // Lane r writes row r of the warp's group.
#pragma unroll
        for (int r = 0; r < kRows; ++r)
            if (lane == r && r0 + r < a.n_rows)
                emit(a, io_row, r0 + r, acc[0][r], kMats == 2 ? acc[kMats - 1][r] : 0.0f);
        return;
    }
    if (lane == 0)
#pragma unroll
        for (int m = 0; m < kMats; ++m)
#pragma unroll
            for (int r = 0; r < kRows; ++r) partial[warp][m][r] = acc[m][r];
    __syncthreads();
    if (int(threadIdx.x) < rows_per_block) {
        const int g = threadIdx.x / kRows, r = threadIdx.x % kRows;
        const int row_index = blockIdx.x * rows_per_block + threadIdx.x;
        float v[kMats];
#pragma unroll
        for (int m = 0; m < kMats; ++m) {
            v[m] = 0.0f;
            for (int p = 0; p < split; ++p) v[m] += partial[g * split + p][m][r];
        }
        if (row_index < a.n_rows) emit(a, io_row, row_index, v[0], v[kMats - 1]);
    }
}

// Tuning overrides, read once: HOARD_CUDA_MATVEC_ROWS (rows per warp),
// HOARD_CUDA_MATVEC_SPLIT (warps per row group) and
// HOARD_CUDA_MATVEC_WARPS_PER_SM (how many warps the grid should offer).
int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}
struct Tuning {
    int rows = env_int("HOARD_CUDA_MATVEC_ROWS", 0);
    int split = env_int("HOARD_CUDA_MATVEC_SPLIT", 0);
    int warps_per_sm = env_int("HOARD_CUDA_MATVEC_WARPS_PER_SM", 32);
    bool staged = [] {
        const char* v = std::getenv("HOARD_CUDA_MATVEC");
        return v && std::strcmp(v, "staged") == 0;
    }();
};
const Tuning& tuning() {
    static const Tuning t;
    return t;
}

template <class K, int kRows, int kMats>
void launch_shape(const KArgs& a, dim3 grid, cudaStream_t s) {
    kquant_kernel<K, kRows, kMats><<<grid, kThreads, 0, s>>>(a);
    check_launch("matvec (k-quant)");
}

template <class K> void launch(const MatvecProblems& p, cudaStream_t stream) {
    const DeviceMatrix& w = p.w;
    const int n_mats = p.output == MatvecOutput::SiluMul ? 2 : 1;
    const int n_blocks = int(w.row_length / 256);
    const int n_steps = (n_blocks + kStepBlocks - 1) / kStepBlocks;
    const Tuning& t = tuning();

    // Rows per warp: as many as the registers hold (activations are loaded
    // once per step for all of them); then enough warps to fill the GPU,
    // first by sharing a row group's steps among warps, then by fewer rows.
    int rows = K::kMaxStreams / n_mats, split = 1;
    const size_t target = size_t(std::max(t.warps_per_sm, 1)) * size_t(multiprocessor_count());
    auto warps = [&] {
        const size_t per_block = size_t(kWarps / split * rows);
        return (w.n_rows + per_block - 1) / per_block * p.n_problems * kWarps;
    };
    while (warps() < target) {
        if (split < kWarps && split < n_steps)
            split *= 2;
        else if (rows > 1)
            rows /= 2;
        else
            break;
    }
    if (t.rows == 1 || t.rows == 2 || t.rows == 4) rows = std::min(t.rows, K::kMaxStreams / n_mats);
    if (t.split == 1 || t.split == 2 || t.split == 4) split = t.split;

    KArgs a{};
    a.w = w.data;
    a.w2 = n_mats == 2 ? p.w2.data : nullptr;
    a.row_stride = w.row_stride;
    a.matrix_stride = w.matrix_stride;
    a.n_rows = int(w.n_rows);
    a.n_blocks = n_blocks;
    a.ids = p.ids;
    a.rows = p.rows;
    a.x = static_cast<const uint8_t*>(p.x);
    a.x_stride = p.x_stride;
    a.xd_offset = int8_scales_offset(w.row_length);
    a.out = p.out;
    a.out_stride = p.out_stride;
    a.output = p.output;
    a.split = split;
    const size_t per_block = size_t(kWarps / split * rows);
    const dim3 grid(unsigned((w.n_rows + per_block - 1) / per_block), unsigned(p.n_problems));
    if (n_mats == 2) {
        if constexpr (K::kMaxStreams >= 4)
            if (rows >= 2) return launch_shape<K, 2, 2>(a, grid, stream);
        launch_shape<K, 1, 2>(a, grid, stream);
    } else {
        if constexpr (K::kMaxStreams >= 4)
            if (rows >= 4) return launch_shape<K, 4, 1>(a, grid, stream);
        if (rows >= 2)
            launch_shape<K, 2, 1>(a, grid, stream);
        else
            launch_shape<K, 1, 1>(a, grid, stream);
    }
}

bool aligned16(const void* p, size_t stride) {
    return reinterpret_cast<uintptr_t>(p) % 16 == 0 && stride % 16 == 0;
}

} // namespace

bool matvec_kquant(const MatvecProblems& p, cudaStream_t stream) {
    if (tuning().staged) return false;
    const DeviceMatrix& w = p.w;
    const bool two = p.output == MatvecOutput::SiluMul;
    if (w.row_length % 256 != 0 || reinterpret_cast<uintptr_t>(p.x) % 16 != 0 ||
        p.x_stride % 16 != 0)
        return false;
    switch (w.format) {
    case quant::BlockFormat::Q4_K:
        // 16-byte loads: every row must start on a 16-byte boundary.
        if (!aligned16(w.data, w.matrix_stride) || w.row_stride % 16 != 0 ||
            (two && !aligned16(p.w2.data, p.w2.matrix_stride)))
            return false;
        launch<Q4K>(p, stream);
        return true;
    case quant::BlockFormat::Q6_K:
        if (two && reinterpret_cast<uintptr_t>(p.w2.data) % 2 != 0) return false;
        launch<Q6K>(p, stream);
        return true;
    default:
        return false;
    }
}

} // namespace hoard::backend::cuda
