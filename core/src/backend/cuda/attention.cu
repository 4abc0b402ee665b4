// Decode (and heads wider than the prefill kernel's): one thread block per
// (query head, token). Its warps take every 16th key and
// keep their own streaming softmax (running max, sum and weighted values in
// registers, lanes splitting the head width); the block then merges the
// sixteen partial results.
#include "backend/cuda/attention.hpp"
#include "backend/cuda/attention_prefill.cuh"
#include "backend/cuda/cuda_check.hpp"
#include "hoard/error.hpp"

namespace hoard::backend::cuda {
namespace {

constexpr int kWarps = 16; // decode has only n_head blocks: many warps each
constexpr int kPerLane = int(kMaxHeadDim) / 32;
constexpr int kUnroll = 4;

__global__ void __launch_bounds__(kWarps * 32) attention_kernel(AttentionJob j) {
    __shared__ float part_acc[kWarps][kMaxHeadDim];
    __shared__ float part_max[kWarps], part_sum[kWarps];

    const int h = blockIdx.x, t = blockIdx.y;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int hd = int(j.head_dim), hdv = int(j.head_dim_v);
    const int kv_head = h / int(j.n_head / j.n_head_kv);
    const size_t kw = j.n_head_kv * j.head_dim, vw = j.n_head_kv * j.head_dim_v;
    const int n_keys = j.first_position[0] + t + 1;

    float q[kPerLane];
    const float* qrow = j.q + size_t(t) * j.n_head * hd + size_t(h) * hd;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
        const int d = lane + 32 * i;
        q[i] = d < hd ? qrow[d] * j.scale : 0.0f;
    }
    float acc[kPerLane] = {};
    float running_max = -INFINITY, running_sum = 0.0f;
    const float* kbase = j.k_cache + size_t(kv_head) * hd;
    const float* vbase = j.v_cache + size_t(kv_head) * hdv;

    // kUnroll keys per step, their loads issued together: the loop is bound by
    // memory latency, not arithmetic.
    for (int key0 = warp; key0 < n_keys; key0 += kWarps * kUnroll) {
        float kr[kUnroll][kPerLane], vr[kUnroll][kPerLane], s[kUnroll];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            const int key = key0 + u * kWarps;
            const float* krow = kbase + size_t(key) * kw;
            const float* vrow = vbase + size_t(key) * vw;
#pragma unroll
            for (int i = 0; i < kPerLane; ++i) {
                const int d = lane + 32 * i;
                kr[u][i] = key < n_keys && d < hd ? krow[d] : 0.0f;
                vr[u][i] = key < n_keys && d < hdv ? vrow[d] : 0.0f;
            }
        }
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            s[u] = 0.0f;
#pragma unroll
            for (int i = 0; i < kPerLane; ++i) s[u] = fmaf(q[i], kr[u][i], s[u]);
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1)
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) s[u] += __shfl_xor_sync(0xffffffffu, s[u], o);
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
            if (key0 + u * kWarps >= n_keys) break;
            const float new_max = fmaxf(running_max, s[u]);
            const float correction = __expf(running_max - new_max); // 0 for the first key
            const float p = __expf(s[u] - new_max);
            running_sum = running_sum * correction + p;
#pragma unroll
            for (int i = 0; i < kPerLane; ++i) acc[i] = fmaf(p, vr[u][i], acc[i] * correction);
            running_max = new_max;
        }
    }
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) part_acc[warp][lane + 32 * i] = acc[i];
    if (lane == 0) {
        part_max[warp] = running_max;
        part_sum[warp] = running_sum;
    }
    __syncthreads();

    float m = -INFINITY;
    for (int w = 0; w < kWarps; ++w) m = fmaxf(m, part_max[w]);
    float total = 0.0f;
    for (int w = 0; w < kWarps; ++w)
        if (part_max[w] > -INFINITY) total += part_sum[w] * __expf(part_max[w] - m);
    float* out = j.out + size_t(t) * j.n_head * hdv + size_t(h) * hdv;
    for (int d = threadIdx.x; d < hdv; d += blockDim.x) {
        float v = 0.0f;
        for (int w = 0; w < kWarps; ++w)
            if (part_max[w] > -INFINITY) v += part_acc[w][d] * __expf(part_max[w] - m);
        out[d] = total > 0.0f ? v / total : 0.0f;
    }
}

} // namespace

void attention(const AttentionJob& job, cudaStream_t stream) {
    if (job.n_tokens == 0) return;
    if (job.head_dim == 0 || job.head_dim > kMaxHeadDim || job.head_dim_v == 0 ||
        job.head_dim_v > kMaxHeadDim)
        throw Error("attention: head widths above " + std::to_string(kMaxHeadDim) +
                    " are not supported on CUDA");
    if (job.n_head_kv == 0 || job.n_head % job.n_head_kv)
        throw Error("attention: query heads must share KV heads evenly");
    if (job.n_tokens > 65535 || job.n_head > 0x7fffffffu)
        throw Error("attention: too many tokens in one batch");
    // Batches: the tiled kernel, which reads each key once per block of rows.
    if (job.n_tokens > 1 && job.head_dim <= kPrefillMaxHeadDim &&
        job.head_dim_v <= kPrefillMaxHeadDim)
        return attention_prefill(job, stream);
    const dim3 grid(unsigned(job.n_head), unsigned(job.n_tokens));
    attention_kernel<<<grid, kWarps * 32, 0, stream>>>(job);
    check_launch("attention");
}

} // namespace hoard::backend::cuda
