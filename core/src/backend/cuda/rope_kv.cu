#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/rope_kv.hpp"
#include "hoard/error.hpp"

namespace hoard::backend::cuda {
namespace {

__global__ void rope_angles_kernel(const int32_t* first_position, int n_tokens, int n_rot,
                                   float base, float2* angles) {
    const int half = n_rot / 2;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n_tokens * half) return;
    const int t = i / half, pair = i % half;
    const double inv_freq = pow(double(base), -2.0 * double(pair) / double(n_rot));
    const double theta = double(first_position[0] + t) * inv_freq;
    angles[i] = make_float2(float(cos(theta)), float(sin(theta)));
}

// One warp per head of one token (blockIdx.x): optional RMS norm over the
// head, then rotation of its first n_rot values, written to `dst`.
__device__ void norm_rotate(const float* src, float* dst, int head_dim, const float* norm_weight,
                            float eps, const float2* angles, int n_rot, RopeKind kind) {
    const int lane = threadIdx.x % 32;
    float scale = 1.0f;
    if (norm_weight) {
        float ss = 0.0f;
        for (int i = lane; i < head_dim; i += 32) ss += src[i] * src[i];
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
        scale = 1.0f / sqrtf(ss / float(head_dim) + eps);
    }
    for (int i = lane; i < head_dim; i += 32) {
        float v = src[i];
        if (norm_weight) v = __fmul_rn(__fmul_rn(v, scale), norm_weight[i]);
        dst[i] = v;
    }
    __syncwarp();
    const int half = n_rot / 2;
    for (int i = lane; i < half; i += 32) {
        const int a = kind == RopeKind::Interleaved ? 2 * i : i;
        const int b = kind == RopeKind::Interleaved ? 2 * i + 1 : i + half;
        const float x0 = dst[a], x1 = dst[b];
        const float2 cs = angles[i];
        dst[a] = __fsub_rn(__fmul_rn(x0, cs.x), __fmul_rn(x1, cs.y));
        dst[b] = __fadd_rn(__fmul_rn(x0, cs.y), __fmul_rn(x1, cs.x));
    }
    __syncwarp();
}

__global__ void qkv_rope_store_kernel(QkvRopeJob j) {
    const int t = blockIdx.x;
    const int warp = threadIdx.x / 32, warps = blockDim.x / 32;
    const int hd = int(j.head_dim);
    const size_t pos = size_t(j.first_position[0]) + t;
    const size_t kw = j.n_head_kv * j.head_dim, vw = j.n_head_kv * j.head_dim_v;
    const float2* angles = j.angles + size_t(t) * (j.n_rot / 2);
    const int heads = int(j.n_head + j.n_head_kv);
    for (int h = warp; h < heads; h += warps) {
        if (h < int(j.n_head)) {
            float* q = j.q + size_t(t) * j.n_head * hd + size_t(h) * hd;
            norm_rotate(q, q, hd, j.q_norm, j.eps, angles, int(j.n_rot), j.kind);
        } else {
            const size_t kh = size_t(h) - j.n_head;
            norm_rotate(j.k + size_t(t) * kw + kh * hd, j.k_cache + pos * kw + kh * hd, hd,
                        j.k_norm, j.eps, angles, int(j.n_rot), j.kind);
        }
    }
    for (size_t i = threadIdx.x; i < vw; i += blockDim.x)
        j.v_cache[pos * vw + i] = j.v[size_t(t) * vw + i];
}

} // namespace

void rope_angles(const int32_t* first_position, size_t n_tokens, size_t n_rot, float base,
                 float2* angles, cudaStream_t stream) {
    const size_t n = n_tokens * (n_rot / 2);
    if (n == 0) return;
    if (n > 0x7fffffffu) throw Error("rope_angles: too many tokens");
    rope_angles_kernel<<<unsigned((n + 255) / 256), 256, 0, stream>>>(first_position, int(n_tokens),
                                                                      int(n_rot), base, angles);
    check_launch("rope_angles");
}

void qkv_rope_store(const QkvRopeJob& job, cudaStream_t stream) {
    if (job.n_tokens == 0) return;
    if (job.n_rot > job.head_dim || job.n_rot % 2)
        throw Error("qkv_rope_store: rotated width must be even and within the head");
    qkv_rope_store_kernel<<<unsigned(job.n_tokens), 1024, 0, stream>>>(job); // a warp per head
    check_launch("qkv_rope_store");
}

} // namespace hoard::backend::cuda
