#pragma once
// A model's weights copied into device memory, in one allocation under the
// budget, with the rows exactly as in the file. Experts of a layer are
// stacked (matrix e at data + e · matrix_stride) whether the file merges them
// or stores one tensor per expert.
#include "backend/cuda/device_matrix.hpp"
#include "backend/cuda/device_memory.hpp"

#include <vector>

namespace hoard::model {
class Model;
}

namespace hoard::backend::cuda {

class StagedUploader;

struct DeviceLayer {
    const float* attn_norm = nullptr;
    DeviceMatrix wq, wk, wv, wo;
    const float* q_norm = nullptr;
    const float* k_norm = nullptr;
    const float* ffn_norm = nullptr;
    DeviceMatrix router;         // MoE only
    DeviceMatrix gate, up, down; // n_expert stacked, or the dense feed-forward (count 1)
};

struct DeviceWeights {
    DeviceBuffer arena;
    DeviceMatrix token_embd, output;
    const float* output_norm = nullptr;
    std::vector<DeviceLayer> layers;
    size_t bytes() const { return arena.bytes(); }
};

// Bytes upload_weights will allocate for `model` (without the routed
// experts when `experts` is false: the offload engine places those itself).
size_t device_weight_bytes(const model::Model& model, bool experts = true);

// Copies every weight through `uploader` and waits until they have arrived;
// with `experts` false, a MoE layer's gate, up and down only describe the
// experts' shape and format (no data). Throws
// hoard::Error when the budget is too small or a format has no kernels.
DeviceWeights upload_weights(const model::Model& model, DeviceMemory& memory,
                             StagedUploader& uploader, bool experts = true);

} // namespace hoard::backend::cuda
