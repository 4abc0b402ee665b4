#pragma once
// One sequence on the GPU: its keys and values (float32, every layer) and
// the buffers a forward pass works in, all in device memory under the
// model's budget, plus the compute stream the sequence's passes run on and
// the captured decode step that replays them.
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"

#include <cstddef>
#include <cstdint>
#include <cuda_fp16.h>
#include <memory>

namespace hoard::model {
struct ModelConfig;
}

namespace hoard::backend::cuda {

// The most tokens one forward pass takes; longer prompts run in passes of this many.
inline constexpr size_t kMaxPassBatch = 512;

// The working buffers of a pass over up to `batch` tokens (see forward_pass.cpp).
struct PassBuffers {
    float* x = nullptr;    // residual stream, n_embd per token
    float* xn = nullptr;   // normalized, float
    uint8_t* xq = nullptr; // normalized, int8 rows
    __half* xh = nullptr;  // normalized, float16 rows of embd_pad
    float* q = nullptr;
    float* k = nullptr;
    float* v = nullptr;
    float* attn = nullptr; // attention output, attn_out_width per token
    uint8_t* attn_q = nullptr;
    __half* attn_h = nullptr; // rows of attn_pad
    float* router_logits = nullptr;
    int32_t* selected = nullptr;
    float* gate_weights = nullptr;
    uint32_t* counts = nullptr;
    uint32_t* offsets = nullptr;
    uint32_t* pairs = nullptr;
    float* h32 = nullptr;    // decode: k rows of n_ff
    uint8_t* hq = nullptr;   // decode: k int8 rows of n_ff
    __half* h16 = nullptr;   // prefill: batch · k rows of ff_pad
    float* y = nullptr;      // expert outputs, batch · k rows of n_embd
    float* logits = nullptr; // batch rows of n_vocab
    int32_t* tokens = nullptr;
    int32_t* meta = nullptr;  // [0]: position of the pass's first token
    float2* angles = nullptr; // batch · n_rot / 2
    // MoE: every layer's routing of the last pass (layer l at l · batch · k),
    // for the host's telemetry and routing traces.
    int32_t* routing_log = nullptr;
    float* gate_log = nullptr;

    size_t batch = 0, embd_pad = 0, attn_pad = 0, ff = 0, ff_pad = 0, expert_slots = 0;
};

class DeviceKvCache {
  public:
    DeviceKvCache(const model::ModelConfig& config, size_t n_ctx, DeviceMemory& memory);
    ~DeviceKvCache();
    DeviceKvCache(const DeviceKvCache&) = delete;
    DeviceKvCache& operator=(const DeviceKvCache&) = delete;

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    void clear() { size_ = 0; }
    void truncate(size_t n); // n <= size()
    size_t device_bytes() const { return kv_.bytes() + scratch_.bytes(); }

    // For the forward pass.
    void set_size(size_t n);
    size_t n_layer() const { return n_layer_; }
    size_t k_width() const { return k_width_; }
    size_t v_width() const { return v_width_; }
    float* keys(size_t layer) const;
    float* values(size_t layer) const;
    const PassBuffers& buffers() const { return buffers_; }
    const Stream& stream() const { return stream_; }
    // Host side of the pass's inputs and last-token logits (page-locked).
    int32_t* host_tokens() const { return host_io_.as<int32_t>(); }
    int32_t* host_meta() const { return host_io_.as<int32_t>() + buffers_.batch; }
    float* host_logits() const { return host_io_.as<float>() + buffers_.batch + 2; }

    // The captured decode step (null until the first decode).
    struct DecodeGraph;
    std::unique_ptr<DecodeGraph>& decode_graph() { return graph_; }

  private:
    size_t n_layer_ = 0, k_width_ = 0, v_width_ = 0;
    size_t capacity_ = 0, size_ = 0;
    DeviceBuffer kv_;
    DeviceBuffer scratch_;
    PassBuffers buffers_;
    Stream stream_;
    PinnedBuffer host_io_;
    std::unique_ptr<DecodeGraph> graph_;
};

} // namespace hoard::backend::cuda
