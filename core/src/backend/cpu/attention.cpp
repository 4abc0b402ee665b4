#include "backend/cpu/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hoard::backend::cpu {
namespace {

// Keys are scored this many at a time; the running softmax is rescaled once
// per block instead of once per key, and no heap scratch is needed.
constexpr size_t kKeyBlock = 64;

inline float dot(const float* a, const float* b, size_t n) {
    // Independent partial sums let the compiler vectorize the loop.
    float acc[8] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// One query head at one position, by the streaming ("online") softmax.
void attend_one(const AttentionShape& shape, const float* q, const KvView& kv, size_t kv_head,
                size_t n_keys, float* out) {
    const float* k_base = kv.k + kv_head * shape.head_dim_k;
    const float* v_base = kv.v + kv_head * shape.head_dim_v;
    const size_t dv = shape.head_dim_v;
    std::fill(out, out + dv, 0.0f);
    float running_max = -std::numeric_limits<float>::infinity();
    float running_sum = 0.0f;
    float scores[kKeyBlock];

    for (size_t start = 0; start < n_keys; start += kKeyBlock) {
        const size_t count = std::min(kKeyBlock, n_keys - start);
        float block_max = running_max;
        for (size_t j = 0; j < count; ++j) {
            scores[j] = shape.scale * dot(q, k_base + (start + j) * kv.k_stride, shape.head_dim_k);
            block_max = std::max(block_max, scores[j]);
        }
        if (block_max > running_max) {
            const float rescale = std::exp(running_max - block_max); // 0 on the first block
            running_sum *= rescale;
            for (size_t d = 0; d < dv; ++d) out[d] *= rescale;
            running_max = block_max;
        }
        for (size_t j = 0; j < count; ++j) {
            const float w = std::exp(scores[j] - running_max);
            running_sum += w;
            const float* v = v_base + (start + j) * kv.v_stride;
            for (size_t d = 0; d < dv; ++d) out[d] += w * v[d];
        }
    }
    const float inv = running_sum > 0.0f ? 1.0f / running_sum : 0.0f;
    for (size_t d = 0; d < dv; ++d) out[d] *= inv;
}

} // namespace

void attention(ThreadPool& pool, const AttentionShape& shape, const float* q, size_t q_stride,
               size_t n_tokens, size_t first_position, const KvView& kv, float* out,
               size_t out_stride) {
    if (n_tokens == 0 || shape.n_head == 0) return;
    const size_t group = shape.n_head / shape.n_head_kv;
    auto run = [&](size_t begin, size_t end) {
        for (size_t item = begin; item < end; ++item) {
            // Later tokens see more keys; pairing early with late tokens gives
            // every contiguous chunk about the same amount of work.
            const size_t i = item / shape.n_head;
            const size_t t = i % 2 == 0 ? i / 2 : n_tokens - 1 - i / 2;
            const size_t h = item % shape.n_head;
            attend_one(shape, q + t * q_stride + h * shape.head_dim_k, kv, h / group,
                       first_position + t + 1, out + t * out_stride + h * shape.head_dim_v);
        }
    };
    const size_t items = n_tokens * shape.n_head;
    const size_t work = items * (first_position + n_tokens) * (shape.head_dim_k + shape.head_dim_v);
    if (work < (size_t(1) << 15))
        run(0, items);
    else
        pool.parallel_for(items, run);
}

} // namespace hoard::backend::cpu
