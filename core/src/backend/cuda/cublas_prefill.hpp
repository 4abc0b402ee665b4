#pragma once
// Large prefill batches through cuBLAS: each weight matrix (or an expert's
// gate and up together) is decoded to float16 in a scratch buffer and
// multiplied with the batch's float16 activations on the tensor cores by
// cuBLAS, accumulating in float32. Decoding costs one pass over the weights
// whatever the batch, so this pays off from about a hundred tokens on; below
// that the int8 products (mmq.hpp) stay faster and match the CPU exactly.
// Experts' matrices are decoded on a second stream, one expert ahead.
//
// One CublasPrefill serves one model: its scratch is shared, so callers hold
// lock() for a whole pass. All memory comes from the model's budget.
#include "backend/cuda/device_matrix.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace hoard::model {
struct ModelConfig;
}

namespace hoard::backend::cuda {

class CublasLibrary;
struct PassBuffers;

// One expert's matrices and its pairs: list[begin … begin + m) of a pair list.
struct ExpertProducts {
    DeviceMatrix gate, up, down;
    uint32_t begin = 0, m = 0;
};

class CublasPrefill {
  public:
    // Null, with the reason, when cuBLAS cannot be opened or the budget
    // cannot hold the scratch buffers (the int8 products then do all batches).
    // min_tokens: the smallest batch that takes cuBLAS; 0: HOARD_CUDA_CUBLAS_MIN_TOKENS,
    // default 128.
    static std::unique_ptr<CublasPrefill> create(const model::ModelConfig& config, size_t batch,
                                                 size_t min_tokens, DeviceMemory& memory,
                                                 std::string& reason);
    // Device memory create() takes for this model and batch size.
    static size_t planned_bytes(const model::ModelConfig& config, size_t batch); // counted
    ~CublasPrefill();
    CublasPrefill(const CublasPrefill&) = delete;
    CublasPrefill& operator=(const CublasPrefill&) = delete;

    // Batches of at least this many tokens take cuBLAS.
    size_t min_tokens() const { return min_tokens_; }
    size_t counted_bytes() const; // as DeviceMemory counts them

    // Held for a pass; binds the handle to the pass's stream.
    std::unique_lock<std::mutex> begin_pass(cudaStream_t stream);

    // out[i] (+)= a[i] · w for i < m (a: float16 rows of a_stride halves).
    // Returns false, doing nothing, when w does not fit the scratch buffer.
    bool project(const DeviceMatrix& w, const __half* a, size_t a_stride, size_t m, float* out,
                 size_t out_stride, bool add);

    // The routed experts of a MoE layer over the pass's tokens: the pairs
    // grouped by expert (b.offsets, b.pairs) after group_pairs, inputs in
    // b.xh, outputs to b.y (one row per pair), as the batched kernels leave
    // them. Waits for the GPU once (the group sizes). h_int8_grid: round the
    // SwiGLU output to its int8 grid (quantized down matrices).
    void experts(const DeviceMatrix& gate, const DeviceMatrix& up, const DeviceMatrix& down,
                 const PassBuffers& b, size_t n_tokens, size_t n_expert_used, bool h_int8_grid);

    // Experts listed by the host (the offload engine's device experts): pair
    // list[i] (device memory, n_pairs values) reads input row list[i] /
    // n_expert_used of b.xh and writes row list[i] of b.y.
    void experts(std::span<const ExpertProducts> groups, const uint32_t* list, size_t n_pairs,
                 const PassBuffers& b, size_t n_expert_used, bool h_int8_grid);

  private:
    CublasPrefill() = default;
    void warm_up();

    const CublasLibrary* lib_ = nullptr;
    cudaStream_t stream_ = nullptr;
    void* handle_ = nullptr;
    std::mutex mutex_;
    size_t min_tokens_ = 128;
    size_t n_embd_ = 0, n_expert_ = 0, ff_ = 0, batch_ = 0;
    size_t weight_halves_ = 0; // capacity of each weight scratch buffer
    // Two weight buffers: a second stream decodes an expert's next matrices
    // into one while cuBLAS multiplies with the other (decoding is memory
    // bound, the products compute bound, so they overlap).
    DeviceBuffer workspace_, weights_[2], gathered_, gate_up_, h_, sorted_out_;
    DeviceBuffer library_memory_; // cuBLAS's own allocations, counted (see create())
    std::unique_ptr<Stream> decode_stream_;
    std::unique_ptr<Event> start_, ready_[2], free_[2];
    PinnedBuffer offsets_host_;
    std::vector<ExpertProducts> groups_;
};

} // namespace hoard::backend::cuda
