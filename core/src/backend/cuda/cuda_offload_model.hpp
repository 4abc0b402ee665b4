#pragma once
// A MoE model on the GPU under a memory budget smaller than the model: the
// weights outside the routed experts, the KV cache and the working buffers
// stay in device memory, and the rest of the budget becomes expert slots that
// the offload engine (an ExpertExecutor over a CudaExpertDevice) fills and
// empties as it decides. Each MoE layer routes on the GPU, hands the choice
// to the executor on the host (one small download per layer), and the
// executor runs device experts, loads and CPU experts at once; the layer's
// mixture is added on the GPU.
//
// Usage: construct, give take_device() to the executor (offload's
// start_executor, with plan()), set_executor(), then eval().
#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/cuda_expert_device.hpp"
#include "backend/cuda/device_kv_cache.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_weights.hpp"
#include "model/model.hpp"
#include "offload/budget_plan.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace hoard::backend::cuda {

struct CudaOffloadOptions {
    // Device memory for everything (weights outside the experts, KV cache,
    // working buffers, expert slots); 0: the free memory less 1 GiB.
    size_t memory_budget = 0;
    size_t n_ctx = 4096;
    // Slot sizes: the largest copy of each precision (from the expert catalog).
    size_t high_copy_bytes = 0, low_copy_bytes = 0; // low 0: no low copies
    // Cuts the expert area into slot classes (offload::plan_slot_classes over
    // every expert's copy size; hoard_cuda does not link the offload layer);
    // empty: one class of high_copy_bytes.
    std::function<std::vector<offload::SlotClass>(const offload::SlotClassRequest&)>
        plan_slot_classes;
    bool separate_pools = false;         // low copies in slots of their own size
    double low_pool_share = 0.25;        // of the expert area, when separate
    size_t expert_bytes_high = 0;        // all experts at high precision (for the plan)
    double link_bytes_per_second = 25e9; // until measured
    // Left free for what the driver takes as kernels first run (code, stack).
    size_t driver_reserve = size_t(128) << 20;
    // Prefill batches of at least this many tokens multiply through cuBLAS
    // (as CudaModelOptions), when its scratch takes at most 1/32 of the budget
    // (it costs expert slots); SIZE_MAX: never.
    size_t cublas_min_tokens = 0;
    // Room for one decode layer's split-expert parts (offload/expert_split.hpp).
    bool split_experts = true;
};

class CudaOffloadModel {
  public:
    using Clock = std::chrono::steady_clock;
    // Throws hoard::Error when there is no GPU, the budget cannot hold the
    // weights outside the experts, the KV cache and one layer's experts, or a
    // format has no CUDA kernels. `model` must outlive this object.
    CudaOffloadModel(const model::Model& model, const CudaOffloadOptions& options,
                     Clock::time_point epoch);
    ~CudaOffloadModel();

    const model::ModelConfig& config() const { return model_.config(); }
    const DeviceInfo& device_info() const { return info_; }
    const DeviceMemory& memory() const { return *memory_; }
    // How the budget divided, as the executor's expert cache needs it.
    const offload::BudgetPlan& plan() const { return plan_; }
    // The device for the executor (once); it stays usable while the executor lives.
    std::unique_ptr<offload::DeviceBackend> take_device();
    CudaExpertDevice& expert_device() { return *device_; }
    bool uses_cublas() const { return cublas_ != nullptr; }
    // Device memory of the cuBLAS prefill buffers (counted in the plan's workspace).
    size_t prefill_scratch_bytes() const { return cublas_ ? cublas_->counted_bytes() : 0; }
    void set_executor(std::shared_ptr<model::ExpertExecutor> executor);

    // As Model::eval, on this model's one sequence (its KV cache on the GPU).
    void eval(std::span<const int32_t> tokens, model::LogitsMode mode, std::vector<float>& logits);
    size_t n_past() const { return cache_->size(); }
    void clear() { cache_->clear(); }
    size_t context() const { return cache_->capacity(); }

  private:
    class Step;
    void run_pass(size_t begin, size_t count, bool all_logits);

    const model::Model& model_;
    CudaOffloadOptions options_;
    DeviceInfo info_;
    std::shared_ptr<DeviceMemory> memory_;
    DeviceWeights weights_;
    std::unique_ptr<DeviceKvCache> cache_;
    std::unique_ptr<CudaExpertDevice> owned_device_;
    CudaExpertDevice* device_ = nullptr;
    offload::BudgetPlan plan_;
    std::shared_ptr<model::ExpertExecutor> executor_;
    std::unique_ptr<Step> step_;
    std::unique_ptr<CublasPrefill> cublas_;
    backend::cpu::ThreadPool pool_{2}; // the prefetcher's router products
};

} // namespace hoard::backend::cuda
