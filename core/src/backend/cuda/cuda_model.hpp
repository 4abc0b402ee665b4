#pragma once
// A model evaluated on the GPU with everything resident in device memory:
// weights, keys and values, working buffers. It reads the configuration and
// the weights through the model layer (one Model, already checked), so it
// serves every family the CPU engine does, and its eval() mirrors
// Model::eval. Decoding one token at a time replays a captured CUDA graph.
#include "backend/cuda/cublas_prefill.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/device_kv_cache.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_weights.hpp"
#include "model/model.hpp"
#include "model/routing_observer.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hoard::backend::cuda {

struct CudaModelOptions {
    // Device memory the model and its caches may take; 0: the free memory
    // less a reserve of 1 GiB (for the driver and other programs).
    size_t memory_budget = 0;
    bool use_graphs = true; // replay decode steps as CUDA graphs
    // Prefill batches of at least this many tokens multiply through cuBLAS
    // (cublas_prefill.hpp) where it is installed; 0: HOARD_CUDA_CUBLAS_MIN_TOKENS
    // or 128; SIZE_MAX: never.
    size_t cublas_min_tokens = 0;
};

class CudaModel {
  public:
    // Copies `model`'s weights to the GPU. Returns nullptr and sets `reason`
    // when there is no usable GPU, the budget cannot hold the weights or a
    // format has no CUDA kernels; the runtime then stays on the CPU. `model`
    // must outlive the CudaModel.
    static std::unique_ptr<CudaModel> create(const model::Model& model,
                                             const CudaModelOptions& options, std::string& reason);
    // As create(), but throws hoard::Error with the reason.
    static std::unique_ptr<CudaModel> load(const model::Model& model,
                                           const CudaModelOptions& options);

    const model::ModelConfig& config() const { return model_.config(); }
    const DeviceInfo& device() const { return device_; }
    const DeviceMemory& memory() const { return *memory_; }
    size_t weight_bytes() const { return weights_.bytes(); }
    // Whether large prefill batches go through cuBLAS, and why not when they don't.
    bool uses_cublas() const { return cublas_ != nullptr; }
    size_t cublas_min_tokens() const { return cublas_ ? cublas_->min_tokens() : 0; }
    const std::string& cublas_note() const { return cublas_note_; }

    // A sequence with room for n_ctx tokens, in this model's device memory;
    // throws hoard::Error when the budget cannot hold it. The cache must not
    // outlive the model.
    std::unique_ptr<DeviceKvCache> make_cache(size_t n_ctx);

    // As Model::eval: evaluates `tokens` at positions cache.size() … on the
    // GPU, appends them to the cache and writes their logits. Throws
    // hoard::Error, leaving the cache's size as it was, for a token outside
    // the vocabulary or a full cache.
    // `routing`, when given, is told every layer's routing of every token
    // (fetched from the device after each pass).
    void eval(DeviceKvCache& cache, std::span<const int32_t> tokens, model::LogitsMode mode,
              std::vector<float>& logits, model::RoutingObserver* routing = nullptr);

  private:
    CudaModel(const model::Model& model, const CudaModelOptions& options, DeviceInfo device);
    void check_request(const DeviceKvCache& cache, std::span<const int32_t> tokens) const;
    void decode_one(DeviceKvCache& cache, int32_t token, std::vector<float>& logits);
    // After a pass over `count` tokens from `first_position`: its routing, from the log.
    void report_routing(DeviceKvCache& cache, size_t first_position, size_t count,
                        model::RoutingObserver& routing);
    std::vector<int32_t> routed_experts_;
    std::vector<float> routed_weights_;

    const model::Model& model_;
    CudaModelOptions options_;
    DeviceInfo device_;
    std::unique_ptr<DeviceMemory> memory_;
    DeviceWeights weights_;
    std::unique_ptr<CublasPrefill> cublas_;
    std::string cublas_note_;
};

} // namespace hoard::backend::cuda
