// Matrix-vector products over raw GGUF blocks. A block of 128 threads owns R
// consecutive rows (of one or two matrices). For each chunk of the rows'
// length it copies the chunk's bytes into shared memory with 16-byte
// asynchronous loads (coalesced whatever the block size), then each warp
// decodes its rows' parts from there: int8 codes dotted with int8
// activations by dp4a for quantized formats, floats for f32/f16/bf16.
#include "backend/cuda/block_codec.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/matvec.hpp"
#include "backend/cuda/matvec_kquant.hpp"
#include "backend/cuda/matvec_output.cuh"
#include "hoard/error.hpp"

#include <cstdlib>
#include <cuda_pipeline.h>
#include <string>

namespace hoard::backend::cuda {
namespace {

using namespace codec;

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxRows = 16; // rows per thread block
constexpr int kMaxRowsPerWarp = kMaxRows / kWarps;

// Shared memory for staged weights per block, and how many blocks per
// multiprocessor the grid should at least offer; HOARD_CUDA_MATVEC_STAGE_KB
// and HOARD_CUDA_MATVEC_BLOCKS_PER_SM override them (for tuning runs).
size_t env_or(const char* name, size_t fallback, size_t lo, size_t hi) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    const size_t n = std::strtoull(v, nullptr, 10);
    return n < lo ? lo : n > hi ? hi : n;
}
size_t stage_bytes() {
    // 24 KiB: best of 8/16/24/40 for the expert steps on an H200 (bench/RESULTS.md).
    static const size_t bytes = env_or("HOARD_CUDA_MATVEC_STAGE_KB", 24, 4, 46) * 1024;
    return bytes;
}
size_t blocks_per_sm() {
    static const size_t n = env_or("HOARD_CUDA_MATVEC_BLOCKS_PER_SM", 2, 1, 64);
    return n;
}

struct MatvecArgs {
    const uint8_t* w;
    const uint8_t* w2;
    size_t row_stride;
    size_t matrix_stride;
    int n_rows;
    int row_length;
    const int32_t* ids;
    const int32_t* rows;
    const uint8_t* x;
    size_t x_stride;
    float* out;
    size_t out_stride;
    MatvecOutput output;
    int rows_per_block; // R: 1, 2, 4, 8 or 16
    int chunk_blocks;   // blocks (values, for float formats) of a row staged at once
    int slot_bytes;     // shared memory per staged row chunk
};

// Copies `bytes` bytes from global `src` (2-byte aligned) into the slot; returns
// where in the slot the first byte landed.
__device__ __forceinline__ const uint8_t* stage_row(uint8_t* slot, const uint8_t* src, size_t bytes,
                                                    int lane, int lanes) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(src);
    const uintptr_t aligned = start & ~uintptr_t(15);
    const int vectors = int((start + bytes - aligned + 15) / 16);
    for (int v = lane; v < vectors; v += lanes)
        __pipeline_memcpy_async(slot + 16 * v, reinterpret_cast<const uint8_t*>(aligned) + 16 * v,
                                16);
    return slot + (start - aligned);
}

template <class C>
__device__ __forceinline__ float dot_part(const uint8_t* block, int part, const uint8_t* x,
                                          const float* xd, int value) {
    if constexpr (kIsFloat<C>) {
        (void)xd;
        FloatPart p;
        C::decode(block, part, p); // part: number of valid values
        const float* xf = reinterpret_cast<const float*>(x) + value;
        float acc = 0.0f;
#pragma unroll
        for (int i = 0; i < 32; ++i)
            if (i < part) acc = fmaf(p.v[i], xf[i], acc);
        return acc;
    } else {
        typename C::Part p;
        C::decode(block, part, p);
        const auto* xq = reinterpret_cast<const int4*>(x + value);
        constexpr int kWordsPerGroup = C::kGroup / 4;
        float acc = 0.0f;
#pragma unroll
        for (int g = 0; g < C::Part::kGroups; ++g) {
            // Σ (scale q − min) x = dx (scale Σ q qx − min Σ qx), in integers
            // until the last step. (Precomputed Σ qx measured slower: the extra
            // loads cost more than these dp4a.)
            int s = 0, sx = 0;
#pragma unroll
            for (int v = 0; v < kWordsPerGroup / 4; ++v) {
                const int4 xw = __ldg(xq + g * (kWordsPerGroup / 4) + v);
                const int q0 = g * kWordsPerGroup + 4 * v;
                s = __dp4a(int(p.q[q0]), xw.x, s);
                s = __dp4a(int(p.q[q0 + 1]), xw.y, s);
                s = __dp4a(int(p.q[q0 + 2]), xw.z, s);
                s = __dp4a(int(p.q[q0 + 3]), xw.w, s);
                if constexpr (C::kHasMin) {
                    sx = __dp4a(0x01010101, xw.x, sx);
                    sx = __dp4a(0x01010101, xw.y, sx);
                    sx = __dp4a(0x01010101, xw.z, sx);
                    sx = __dp4a(0x01010101, xw.w, sx);
                }
            }
            float term = p.scale[g] * float(s);
            if constexpr (C::kHasMin) term -= p.min[g] * float(sx);
            acc = fmaf(__ldg(xd + (value + g * C::kGroup) / 32), term, acc);
        }
        return acc;
    }
}

template <class C> __global__ void __launch_bounds__(kThreads) matvec_kernel(MatvecArgs a) {
    extern __shared__ __align__(16) uint8_t smem[];
    __shared__ float partial[2][kMaxRows][kWarps];

    const int problem = blockIdx.y;
    const size_t matrix = a.ids ? size_t(a.ids[problem]) : size_t(problem);
    const uint8_t* w = a.w + matrix * a.matrix_stride;
    const uint8_t* w2 = a.w2 ? a.w2 + matrix * a.matrix_stride : nullptr;
    const size_t io_row = a.rows ? size_t(a.rows[problem]) : size_t(problem);
    const uint8_t* x = a.x + io_row * a.x_stride;
    const float* xd = reinterpret_cast<const float*>(x + int8_scales_offset(a.row_length));

    const int R = a.rows_per_block;
    const int r0 = blockIdx.x * R;
    const int rows = min(R, a.n_rows - r0);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    // Fewer rows than warps: several warps share a row, splitting its parts.
    const int warps_per_row = R >= kWarps ? 1 : kWarps / R;
    const int row_step = kWarps / warps_per_row;
    const int sub = warp % warps_per_row;

    constexpr int kValuesPerBlock = kIsFloat<C> ? 1 : C::kBlockElems;
    constexpr int kPartsPerBlock = kIsFloat<C> ? 1 : C::kBlockElems / C::kPartValues;
    const int blocks_per_row = a.row_length / kValuesPerBlock;
    const int n_mats = w2 ? 2 : 1;

    float acc[2][kMaxRowsPerWarp] = {};
    for (int b0 = 0; b0 < blocks_per_row; b0 += a.chunk_blocks) {
        const int nb = min(a.chunk_blocks, blocks_per_row - b0);
        const size_t offset = size_t(b0) * C::kBlockBytes;
        const size_t bytes = size_t(nb) * C::kBlockBytes;
        // One row chunk per warp at a time keeps the index arithmetic simple.
        for (int i = warp; i < rows * n_mats; i += kWarps) {
            const int r = i % rows, m = i / rows;
            const uint8_t* src = (m ? w2 : w) + size_t(r0 + r) * a.row_stride + offset;
            stage_row(smem + size_t(i) * a.slot_bytes, src, bytes, lane, 32);
        }
        __pipeline_commit();
        __pipeline_wait_prior(0);
        __syncthreads();

        int slot_row = 0;
        for (int r = warp / warps_per_row; r < rows; r += row_step, ++slot_row) {
#pragma unroll
            for (int m = 0; m < 2; ++m) {
                if (m == n_mats) break;
                const int i = m * rows + r;
                const uintptr_t src = reinterpret_cast<uintptr_t>(
                    (m ? w2 : w) + size_t(r0 + r) * a.row_stride + offset);
                const uint8_t* row = smem + size_t(i) * a.slot_bytes + (src & 15);
                float sum = 0.0f;
                if constexpr (kIsFloat<C>) {
                    for (int p = sub * 32 + lane; p * 32 < nb; p += warps_per_row * 32)
                        sum += dot_part<C>(row + size_t(p) * 32 * C::kBlockBytes,
                                           min(32, nb - p * 32), x, xd, b0 + p * 32);
                } else {
                    for (int p = sub * 32 + lane; p < nb * kPartsPerBlock;
                         p += warps_per_row * 32) {
                        const int blk = p / kPartsPerBlock, part = p % kPartsPerBlock;
                        sum += dot_part<C>(row + size_t(blk) * C::kBlockBytes, part, x, xd,
                                           (b0 + blk) * C::kBlockElems + part * C::kPartValues);
                    }
                }
#pragma unroll
                for (int j = 0; j < kMaxRowsPerWarp; ++j)
                    if (j == slot_row) acc[m][j] += sum;
            }
        }
        __syncthreads(); // the slots are refilled by the next chunk
    }

    int slot_row = 0;
    for (int r = warp / warps_per_row; r < rows; r += row_step, ++slot_row) {
#pragma unroll
        for (int m = 0; m < 2; ++m) {
            if (m == n_mats) break;
            float v = 0.0f;
#pragma unroll
            for (int j = 0; j < kMaxRowsPerWarp; ++j)
                if (j == slot_row) v = acc[m][j];
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
            if (lane == 0) partial[m][r][sub] = v;
        }
    }
    __syncthreads();
    if (threadIdx.x < rows) {
        const int r = threadIdx.x;
        float v = 0.0f, v2 = 0.0f;
        for (int s = 0; s < warps_per_row; ++s) {
            v += partial[0][r][s];
            if (n_mats == 2) v2 += partial[1][r][s];
        }
        write_output(a.out + io_row * a.out_stride + r0 + r, a.output, v, v2);
    }
}

template <class C> void launch(const MatvecProblems& p, cudaStream_t stream) {
    const DeviceMatrix& w = p.w;
    const int n_mats = p.output == MatvecOutput::SiluMul ? 2 : 1;
    constexpr size_t kValuesPerBlock = kIsFloat<C> ? 1 : C::kBlockElems;
    const size_t blocks_per_row = w.row_length / kValuesPerBlock;

    // Rows per thread block: as many as fit, then fewer until the grid fills the GPU.
    const size_t stage = stage_bytes();
    int R = kMaxRows;
    while (R > 1 && size_t(R) * n_mats * (w.row_stride + 32) > stage) R /= 2;
    const size_t target_blocks = blocks_per_sm() * size_t(multiprocessor_count());
    while (R > 1 && (w.n_rows + R - 1) / R * p.n_problems < target_blocks) R /= 2;
    // Row chunks: the whole row when it fits, else whole blocks (32 values for floats).
    const size_t per_slot = stage / (size_t(R) * n_mats) - 32;
    size_t chunk = per_slot / C::kBlockBytes;
    if (kIsFloat<C>) chunk = chunk / 32 * 32;
    if (chunk == 0) chunk = kIsFloat<C> ? 32 : 1;
    if (chunk > blocks_per_row) chunk = blocks_per_row;

    MatvecArgs a{};
    a.w = w.data;
    a.w2 = n_mats == 2 ? p.w2.data : nullptr;
    a.row_stride = w.row_stride;
    a.matrix_stride = w.matrix_stride;
    a.n_rows = int(w.n_rows);
    a.row_length = int(w.row_length);
    a.ids = p.ids;
    a.rows = p.rows;
    a.x = static_cast<const uint8_t*>(p.x);
    a.x_stride = p.x_stride;
    a.out = p.out;
    a.out_stride = p.out_stride;
    a.output = p.output;
    a.rows_per_block = R;
    a.chunk_blocks = int(chunk);
    a.slot_bytes = int(round_up(chunk * C::kBlockBytes + 16, 16));
    const size_t smem = size_t(a.slot_bytes) * R * n_mats;
    const dim3 grid(unsigned((w.n_rows + R - 1) / R), unsigned(p.n_problems));
    matvec_kernel<C><<<grid, kThreads, smem, stream>>>(a);
    check_launch("matvec");
}

} // namespace

void matvec(const MatvecProblems& p, cudaStream_t stream) {
    const DeviceMatrix& w = p.w;
    if (w.n_rows == 0 || p.n_problems == 0) return;
    if (w.row_length == 0 || w.n_rows > (1u << 30) || w.row_length > (1u << 30) ||
        p.n_problems > 65535)
        throw Error("matvec: unsupported shape " + std::to_string(w.n_rows) + " x " +
                    std::to_string(w.row_length) + " (" + std::to_string(p.n_problems) +
                    " problems)");
    if (p.output == MatvecOutput::SiluMul &&
        (p.w2.empty() || p.w2.format != w.format || p.w2.row_stride != w.row_stride ||
         p.w2.matrix_stride != w.matrix_stride))
        throw Error("matvec: SiluMul needs a second matrix shaped like the first");
    if (reinterpret_cast<uintptr_t>(w.data) % 2 || w.row_stride % 2)
        throw Error("matvec: weight rows must start at even addresses");
    // q4_K and q6_K rows are read unstaged (HOARD_CUDA_MATVEC=staged: staged like the rest).
    if (matvec_kquant(p, stream)) return;
    const bool ok = visit_format(w.format, [&](auto codec) { launch<decltype(codec)>(p, stream); });
    if (!ok)
        throw Error("matvec: no CUDA kernel for " + std::string(quant::format_name(w.format)) +
                    " weights");
}

} // namespace hoard::backend::cuda
