// Prefill attention in tiles. A block takes 32 query rows — (token, head)
// pairs of one KV head's group, so the heads sharing keys read them once —
// and walks the keys in tiles of 32 staged in shared memory: every key and
// value is read once per block instead of once per (token, head). Each warp
// owns 4 rows: for the scores a lane takes one key (dot over the head width
// with the 4 rows' queries); for the values a lane takes 4 dimensions. The
// softmax streams (running max and sum per row), as in the decode kernel.
#include "backend/cuda/attention_prefill.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "hoard/error.hpp"

namespace hoard::backend::cuda {
namespace {

constexpr int kWarps = 8;
constexpr int kRows = 32;                    // query rows per block
constexpr int kRowsPerWarp = kRows / kWarps; // 4
constexpr int kKeys = 32;                    // keys per tile
constexpr int kHd = int(kPrefillMaxHeadDim);
constexpr int kPerLane = kHd / 32; // value dimensions per lane
constexpr int kKStride = kHd + 1;  // padded: lane k reads row k without bank conflicts

constexpr size_t kSharedBytes = sizeof(float) * (kHd * kRows + kKeys * kKStride + kKeys * kHd);

__global__ void __launch_bounds__(kWarps * 32) attention_prefill_kernel(AttentionJob j) {
    extern __shared__ __align__(16) float smem[];
    float* qt = smem;                  // [d][row]: the queries, scaled, transposed
    float* ks = qt + kHd * kRows;      // [key][d]
    float* vs = ks + kKeys * kKStride; // [key][d]

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int hd = int(j.head_dim), hdv = int(j.head_dim_v);
    const int group = int(j.n_head / j.n_head_kv);
    const int kv = blockIdx.x;
    const int total_rows = int(j.n_tokens) * group;
    const int row0 = blockIdx.y * kRows;
    const int first = j.first_position[0];
    const size_t kw = j.n_head_kv * j.head_dim, vw = j.n_head_kv * j.head_dim_v;
    const size_t qw = j.n_head * j.head_dim;

    // Row r of the block: token (row0 + r) / group, head kv · group + (row0 + r) % group.
    for (int i = threadIdx.x; i < kHd * kRows; i += blockDim.x) {
        const int r = i / kHd, d = i % kHd;
        const int row = row0 + r;
        float v = 0.0f;
        if (row < total_rows && d < hd) {
            const int t = row / group, h = kv * group + row % group;
            v = j.q[size_t(t) * qw + size_t(h) * hd + d] * j.scale;
        }
        qt[d * kRows + r] = v;
    }

    int position[kRowsPerWarp]; // the last key each row sees (-1: no row)
    float running_max[kRowsPerWarp], running_sum[kRowsPerWarp], acc[kRowsPerWarp][kPerLane];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        const int row = row0 + warp * kRowsPerWarp + r;
        position[r] = row < total_rows ? first + row / group : -1;
        running_max[r] = -INFINITY;
        running_sum[r] = 0.0f;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) acc[r][i] = 0.0f;
    }
    const int last_row = min(row0 + kRows, total_rows) - 1;
    const int n_keys = first + last_row / group + 1; // keys the block's rows see

    for (int key0 = 0; key0 < n_keys; key0 += kKeys) {
        __syncthreads(); // the previous tile is no longer read (and qt is written)
        for (int i = threadIdx.x; i < kKeys * kHd; i += blockDim.x) {
            const int k = i / kHd, d = i % kHd, key = key0 + k;
            const bool in = key < n_keys;
            ks[k * kKStride + d] =
                in && d < hd ? j.k_cache[size_t(key) * kw + size_t(kv) * hd + d] : 0.0f;
            vs[k * kHd + d] =
                in && d < hdv ? j.v_cache[size_t(key) * vw + size_t(kv) * hdv + d] : 0.0f;
        }
        __syncthreads();

        // Scores: lane = key of the tile, for the warp's 4 rows.
        float s[kRowsPerWarp] = {};
        const float* krow = ks + lane * kKStride;
        for (int d = 0; d < hd; ++d) {
            const float kd = krow[d];
            const float4 q4 =
                *reinterpret_cast<const float4*>(qt + d * kRows + warp * kRowsPerWarp);
            s[0] = fmaf(q4.x, kd, s[0]);
            s[1] = fmaf(q4.y, kd, s[1]);
            s[2] = fmaf(q4.z, kd, s[2]);
            s[3] = fmaf(q4.w, kd, s[3]);
        }
        const int key = key0 + lane;
        float p[kRowsPerWarp];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
            const bool seen = key <= position[r];
            float m = seen ? s[r] : -INFINITY;
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
            const float new_max = fmaxf(running_max[r], m);
            // A row with no key in this tile yet keeps its state (new_max stays -inf).
            const float correction = new_max == -INFINITY ? 1.0f : __expf(running_max[r] - new_max);
            p[r] = seen ? __expf(s[r] - new_max) : 0.0f;
            float sum = p[r];
#pragma unroll
            for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
            running_sum[r] = running_sum[r] * correction + sum;
            running_max[r] = new_max;
#pragma unroll
            for (int i = 0; i < kPerLane; ++i) acc[r][i] *= correction;
        }
        // Values: lane = dimensions lane + 32 i.
        const int keys_here = min(kKeys, n_keys - key0);
        for (int k = 0; k < keys_here; ++k) {
            float v[kPerLane];
#pragma unroll
            for (int i = 0; i < kPerLane; ++i) v[i] = vs[k * kHd + lane + 32 * i];
#pragma unroll
            for (int r = 0; r < kRowsPerWarp; ++r) {
                const float pk = __shfl_sync(0xffffffffu, p[r], k);
#pragma unroll
                for (int i = 0; i < kPerLane; ++i) acc[r][i] = fmaf(pk, v[i], acc[r][i]);
            }
        }
    }

#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
        const int row = row0 + warp * kRowsPerWarp + r;
        if (row >= total_rows) continue;
        const int t = row / group, h = kv * group + row % group;
        float* out = j.out + size_t(t) * j.n_head * hdv + size_t(h) * hdv;
        const float inv = running_sum[r] > 0.0f ? 1.0f / running_sum[r] : 0.0f;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) {
            const int d = lane + 32 * i;
            if (d < hdv) out[d] = acc[r][i] * inv;
        }
    }
}

} // namespace

void attention_prefill(const AttentionJob& job, cudaStream_t stream) {
    if (job.head_dim > kPrefillMaxHeadDim || job.head_dim_v > kPrefillMaxHeadDim)
        throw Error("attention_prefill: head too wide");
    const size_t rows = job.n_tokens * (job.n_head / job.n_head_kv);
    if (rows / kRows >= 65535 || job.n_head_kv > 0x7fffffffu)
        throw Error("attention: too many tokens in one batch");
    static const bool configured = [] {
        check_cuda(cudaFuncSetAttribute(attention_prefill_kernel,
                                        cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        int(kSharedBytes)),
                   "configuring the prefill attention kernel");
        return true;
    }();
    (void)configured;
    const dim3 grid(unsigned(job.n_head_kv), unsigned((rows + kRows - 1) / kRows));
    attention_prefill_kernel<<<grid, kWarps * 32, kSharedBytes, stream>>>(job);
    check_launch("attention_prefill");
}

} // namespace hoard::backend::cuda
