#pragma once
// The transformer forward pass as a sequence of kernel launches on one
// stream, everything resident: the weights in DeviceWeights, keys and values
// in the DeviceKvCache. Inputs (token ids, the first position) are already in
// the cache's device buffers; logits are left in buffers().logits. Nothing
// here waits for the GPU, so a decode step can be captured as a graph.
#include <cstddef>
#include <cuda_runtime_api.h>

namespace hoard::model {
struct ModelConfig;
}

namespace hoard::backend::cuda {

struct DeviceWeights;
class DeviceKvCache;
class CublasPrefill;

struct PassShape {
    size_t n_tokens = 0;     // 1 .. cache.buffers().batch
    bool all_logits = false; // else only the last token's, in logits row 0
    // Batches of at least cublas->min_tokens() tokens multiply through cuBLAS
    // (the caller holds its begin_pass lock); null: the int8 products.
    CublasPrefill* cublas = nullptr;
};

// Takes over the expert step of every MoE layer (the offload engine). Called
// once the router has chosen: the selection and gate weights, and the
// normalized input as float rows (xn) and in the encodings the experts read,
// are in the cache's buffers. It leaves each (token, slot) pair's expert
// output in buffers().y, which the pass then mixes into the residual stream.
// It may wait for the GPU (so such a pass is not captured as a graph).
class MoeStep {
  public:
    virtual ~MoeStep() = default;
    virtual void run(size_t layer, size_t n_tokens) = 0;
};

// n_tokens == 1 runs the matrix-vector path (decode), more the tiled
// matrix-product path (prefill).
void run_forward_pass(const model::ModelConfig& config, const DeviceWeights& weights,
                      const DeviceKvCache& cache, const PassShape& shape, cudaStream_t stream,
                      MoeStep* moe_step = nullptr);

} // namespace hoard::backend::cuda
