#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/routing.hpp"
#include "hoard/error.hpp"

namespace hoard::backend::cuda {
namespace {

constexpr int kThreads = 128;

struct Best {
    float value;
    int index;
};

__device__ Best better(Best a, Best b) {
    if (b.value > a.value || (b.value == a.value && b.index < a.index)) return b;
    return a;
}

__device__ Best block_best(Best v, Best* scratch) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        Best other{__shfl_xor_sync(0xffffffffu, v.value, o),
                   __shfl_xor_sync(0xffffffffu, v.index, o)};
        v = better(v, other);
    }
    const int warp = threadIdx.x / 32;
    if (threadIdx.x % 32 == 0) scratch[warp] = v;
    __syncthreads();
    Best b = scratch[0];
    for (int w = 1; w < kThreads / 32; ++w) b = better(b, scratch[w]);
    __syncthreads();
    return b;
}

__device__ float block_total(float v, float* scratch) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < kThreads / 32; ++w) total += scratch[w];
    __syncthreads();
    return total;
}

__global__ void __launch_bounds__(kThreads)
    route_kernel(const float* logits, int n_expert, int k, bool normalize, int32_t* selected,
                 float* weights, int32_t* log_selected, float* log_weights) {
    __shared__ float p[kMaxExperts];
    __shared__ Best best_scratch[kThreads / 32];
    __shared__ float sum_scratch[kThreads / 32];
    const size_t t = blockIdx.x;
    const float* row = logits + t * n_expert;

    Best m{-INFINITY, 0};
    for (int e = threadIdx.x; e < n_expert; e += kThreads) {
        p[e] = row[e];
        m = better(m, Best{p[e], e});
    }
    const float max = block_best(m, best_scratch).value;
    float s = 0.0f;
    for (int e = threadIdx.x; e < n_expert; e += kThreads) {
        p[e] = __expf(p[e] - max);
        s += p[e];
    }
    const float inv = 1.0f / block_total(s, sum_scratch);
    for (int e = threadIdx.x; e < n_expert; e += kThreads) p[e] *= inv;
    __syncthreads();

    float chosen_sum = 0.0f;
    for (int slot = 0; slot < k; ++slot) {
        Best b{-INFINITY, n_expert};
        for (int e = threadIdx.x; e < n_expert; e += kThreads) b = better(b, Best{p[e], e});
        b = block_best(b, best_scratch);
        if (threadIdx.x == 0) {
            selected[t * k + slot] = b.index;
            weights[t * k + slot] = b.value;
            p[b.index] = -INFINITY; // not chosen twice
        }
        chosen_sum += b.value;
        __syncthreads();
    }
    if (normalize && chosen_sum > 0.0f && threadIdx.x < k)
        weights[t * k + threadIdx.x] /= chosen_sum;
    if (log_selected && threadIdx.x < k) {
        log_selected[t * k + threadIdx.x] = selected[t * k + threadIdx.x];
        log_weights[t * k + threadIdx.x] = weights[t * k + threadIdx.x];
    }
}

__global__ void count_kernel(const int32_t* selected, int n_pairs, uint32_t* counts) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n_pairs) atomicAdd(&counts[selected[i]], 1u);
}

// One block: exclusive scan of the counts into offsets; counts become cursors.
__global__ void scan_kernel(uint32_t* counts, int n_expert, uint32_t* offsets) {
    if (threadIdx.x != 0) return;
    uint32_t at = 0;
    for (int e = 0; e < n_expert; ++e) {
        offsets[e] = at;
        at += counts[e];
        counts[e] = offsets[e];
    }
    offsets[n_expert] = at;
}

__global__ void fill_kernel(const int32_t* selected, int n_pairs, uint32_t* cursors,
                            uint32_t* list) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n_pairs) list[atomicAdd(&cursors[selected[i]], 1u)] = uint32_t(i);
}

} // namespace

void route_tokens(const float* logits, size_t n_tokens, size_t n_expert, size_t k, bool normalize,
                  int32_t* selected, float* weights, cudaStream_t stream, int32_t* log_selected,
                  float* log_weights) {
    if (n_tokens == 0) return;
    if (n_expert == 0 || n_expert > kMaxExperts || k == 0 || k > n_expert || k > kThreads)
        throw Error("route_tokens: " + std::to_string(n_expert) + " experts, top " +
                    std::to_string(k) + " is beyond the CUDA router (at most " +
                    std::to_string(kMaxExperts) + " experts)");
    if (n_tokens > 0x7fffffffu) throw Error("route_tokens: too many tokens");
    route_kernel<<<unsigned(n_tokens), kThreads, 0, stream>>>(
        logits, int(n_expert), int(k), normalize, selected, weights, log_selected, log_weights);
    check_launch("route_tokens");
}

void group_pairs(const int32_t* selected, size_t n_pairs, size_t n_expert, uint32_t* counts,
                 uint32_t* offsets, uint32_t* list, cudaStream_t stream) {
    if (n_pairs > 0x7fffffffu || n_expert > kMaxExperts) throw Error("group_pairs: too large");
    check_cuda(cudaMemsetAsync(counts, 0, n_expert * sizeof(uint32_t), stream), "group_pairs");
    const unsigned blocks = unsigned((n_pairs + 255) / 256);
    if (n_pairs) count_kernel<<<blocks, 256, 0, stream>>>(selected, int(n_pairs), counts);
    scan_kernel<<<1, 32, 0, stream>>>(counts, int(n_expert), offsets);
    if (n_pairs) fill_kernel<<<blocks, 256, 0, stream>>>(selected, int(n_pairs), counts, list);
    check_launch("group_pairs");
}

} // namespace hoard::backend::cuda
