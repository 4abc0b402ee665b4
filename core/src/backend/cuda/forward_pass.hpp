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

struct PassShape {
    size_t n_tokens = 0;     // 1 .. cache.buffers().batch
    bool all_logits = false; // else only the last token's, in logits row 0
};

// n_tokens == 1 runs the matrix-vector path (decode), more the tiled
// matrix-product path (prefill).
void run_forward_pass(const model::ModelConfig& config, const DeviceWeights& weights,
                      const DeviceKvCache& cache, const PassShape& shape, cudaStream_t stream);

} // namespace hoard::backend::cuda
