#include "backend/cuda/device_kv_cache.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/decode_graph.hpp"
#include "backend/cuda/device_matrix.hpp"
#include "hoard/error.hpp"
#include "model/model_config.hpp"

#include <algorithm>

namespace hoard::backend::cuda {
namespace {

class Layout {
  public:
    template <class T> T* take(size_t count) {
        const size_t at = size_;
        size_ += round_up(count * sizeof(T), 256);
        return reinterpret_cast<T*>(at);
    }
    size_t size() const { return size_ + kReadSlack; }

  private:
    size_t size_ = 0;
};

template <class T> void rebase(T*& p, uint8_t* base) {
    p = reinterpret_cast<T*>(base + reinterpret_cast<uintptr_t>(p));
}

} // namespace

DeviceKvCache::DeviceKvCache(const model::ModelConfig& c, size_t n_ctx, DeviceMemory& memory)
    : n_layer_(c.n_layer), k_width_(c.k_width()), v_width_(c.v_width()), capacity_(n_ctx) {
    if (n_ctx == 0) throw Error("the context must hold at least one token");
    const size_t per_position = c.n_layer * (k_width_ + v_width_) * sizeof(float);
    if (n_ctx > (size_t(1) << 40) / per_position)
        throw Error("a KV cache of " + std::to_string(n_ctx) + " positions is too large");
    kv_ = memory.allocate(per_position * n_ctx, "KV cache of " + std::to_string(n_ctx) + " tokens");

    PassBuffers& b = buffers_;
    const size_t B = std::min(n_ctx, kMaxPassBatch);
    const bool moe = c.is_moe();
    b.batch = B;
    b.expert_slots = moe ? c.n_expert_used : 1;
    b.ff = moe ? c.n_ff_expert : c.n_ff;
    b.ff_pad = round_up(b.ff, 8);
    b.embd_pad = round_up(c.n_embd, 8);
    b.attn_pad = round_up(c.attn_out_width(), 8);
    const size_t n_expert = moe ? c.n_expert : 1;

    Layout L;
    b.x = L.take<float>(B * c.n_embd);
    b.xn = L.take<float>(B * c.n_embd);
    b.xq = L.take<uint8_t>(B * int8_row_bytes(round_up(c.n_embd, 32)));
    b.xh = L.take<__half>(B * b.embd_pad);
    b.q = L.take<float>(B * c.q_width());
    b.k = L.take<float>(B * c.k_width());
    b.v = L.take<float>(B * c.v_width());
    b.attn = L.take<float>(B * c.attn_out_width());
    b.attn_q = L.take<uint8_t>(B * int8_row_bytes(round_up(c.attn_out_width(), 32)));
    b.attn_h = L.take<__half>(B * b.attn_pad);
    b.router_logits = L.take<float>(B * n_expert);
    b.selected = L.take<int32_t>(B * b.expert_slots);
    b.gate_weights = L.take<float>(B * b.expert_slots);
    b.counts = L.take<uint32_t>(n_expert);
    b.offsets = L.take<uint32_t>(n_expert + 1);
    b.pairs = L.take<uint32_t>(B * b.expert_slots);
    b.h32 = L.take<float>(b.expert_slots * b.ff);
    b.hq = L.take<uint8_t>(b.expert_slots * int8_row_bytes(round_up(b.ff, 32)));
    b.h16 = L.take<__half>(B * b.expert_slots * b.ff_pad);
    b.y = L.take<float>(B * b.expert_slots * c.n_embd);
    b.logits = L.take<float>(B * c.n_vocab);
    b.tokens = L.take<int32_t>(B);
    b.meta = L.take<int32_t>(2);
    b.angles = L.take<float2>(B * (c.n_rot / 2 + 1));
    const size_t logged = moe ? c.n_layer * B * b.expert_slots : 1;
    b.routing_log = L.take<int32_t>(logged);
    b.gate_log = L.take<float>(logged);
    scratch_ = memory.allocate(L.size(), "GPU working buffers");
    auto* base = scratch_.as<uint8_t>();
    rebase(b.x, base), rebase(b.xn, base), rebase(b.xq, base), rebase(b.xh, base);
    rebase(b.q, base), rebase(b.k, base), rebase(b.v, base), rebase(b.attn, base);
    rebase(b.attn_q, base), rebase(b.attn_h, base), rebase(b.router_logits, base);
    rebase(b.selected, base), rebase(b.gate_weights, base), rebase(b.counts, base);
    rebase(b.offsets, base), rebase(b.pairs, base), rebase(b.h32, base), rebase(b.hq, base);
    rebase(b.h16, base), rebase(b.y, base), rebase(b.logits, base), rebase(b.tokens, base);
    rebase(b.meta, base), rebase(b.angles, base), rebase(b.routing_log, base);
    rebase(b.gate_log, base);
    // Padding columns of the float16 rows are read by the GEMM tile loader.
    check_cuda(cudaMemset(base, 0, scratch_.bytes()), "clearing GPU working buffers");
    check_cuda(cudaDeviceSynchronize(),
               "clearing GPU working buffers"); // before other streams use them

    host_io_ = PinnedBuffer((B + 2 + c.n_vocab) * sizeof(float));
}

DeviceKvCache::~DeviceKvCache() = default;

void DeviceKvCache::truncate(size_t n) {
    if (n > size_)
        throw Error("cannot truncate a KV cache of " + std::to_string(size_) + " tokens to " +
                    std::to_string(n));
    size_ = n;
}

void DeviceKvCache::set_size(size_t n) {
    if (n > capacity_)
        throw Error("the KV cache holds " + std::to_string(capacity_) + " tokens, not " +
                    std::to_string(n));
    size_ = n;
}

float* DeviceKvCache::keys(size_t layer) const {
    return kv_.as<float>() + layer * capacity_ * (k_width_ + v_width_);
}

float* DeviceKvCache::values(size_t layer) const {
    return keys(layer) + capacity_ * k_width_;
}

} // namespace hoard::backend::cuda
