#include "api/cuda_backend.hpp"

#if HOARD_HAVE_CUDA

#include "backend/cuda/cuda_model.hpp"
#include "backend/cuda/gpu_offload_setup.hpp"
#include "hoard/error.hpp"

#include <atomic>
#include <cstdio>

namespace hoard::api {
namespace {

using backend::cuda::CudaModel;
using backend::cuda::DeviceKvCache;
using backend::cuda::GpuOffload;

std::string gib(double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f GiB", bytes / double(1u << 30));
    return text;
}

// A session's sequence on the all-in-VRAM model. Publishes each pass's time
// and, while someone listens, its routing (fetched from the GPU after the
// pass; every expert a hit) through the CPU publisher.
class CudaSequence final : public runtime::SequenceEvaluator {
  public:
    CudaSequence(CudaModel& model, std::unique_ptr<DeviceKvCache> cache,
                 model::RoutingObserver* passes)
        : model_(model), cache_(std::move(cache)), passes_(passes) {}

    void eval(std::span<const int32_t> tokens, model::LogitsMode mode,
              std::vector<float>& logits) override {
        if (passes_) passes_->on_pass_begin(cache_->size(), tokens.size());
        try {
            model_.eval(*cache_, tokens, mode, logits, passes_);
        } catch (...) {
            if (passes_) passes_->on_pass_end(false);
            throw;
        }
        if (passes_) passes_->on_pass_end(true);
    }
    size_t size() const override { return cache_->size(); }
    size_t capacity() const override { return cache_->capacity(); }
    size_t truncate(size_t n) override {
        n = std::min(n, cache_->size());
        cache_->truncate(n);
        return n;
    }
    void clear() override { cache_->clear(); }

  private:
    CudaModel& model_;
    std::unique_ptr<DeviceKvCache> cache_;
    model::RoutingObserver* passes_;
};

// What the GPU offload engine keeps: its model and executor, and whether its
// one sequence is taken.
struct CudaOffloadHolder {
    GpuOffload gpu;
    std::atomic<bool> in_use{false};
};

// The offload engine's one sequence on the GPU. It cannot drop a suffix of
// its cache, so a shorter prefix starts it over.
class CudaOffloadSequence final : public runtime::SequenceEvaluator {
  public:
    explicit CudaOffloadSequence(CudaOffloadHolder& holder) : holder_(holder) {
        if (holder_.in_use.exchange(true))
            throw Error("the GPU offload engine holds one sequence, and another session or "
                        "evaluation has it; close that session first");
        holder_.gpu.model->clear();
    }
    ~CudaOffloadSequence() override { holder_.in_use.store(false); }

    void eval(std::span<const int32_t> tokens, model::LogitsMode mode,
              std::vector<float>& logits) override {
        holder_.gpu.model->eval(tokens, mode, logits);
    }
    size_t size() const override { return holder_.gpu.model->n_past(); }
    size_t capacity() const override { return holder_.gpu.model->context(); }
    size_t truncate(size_t n) override {
        if (n >= size()) return size();
        holder_.gpu.model->clear();
        return 0;
    }
    void clear() override { holder_.gpu.model->clear(); }

  private:
    CudaOffloadHolder& holder_;
};

} // namespace

bool start_cuda_model(Model::Impl& impl, size_t n_ctx, std::string& reason) {
    std::shared_ptr<CudaModel> gpu = CudaModel::create(*impl.model, {}, reason);
    if (!gpu) return false;
    try {
        gpu->make_cache(n_ctx); // the default session must fit too
    } catch (const Error& e) {
        reason = std::string("the weights fit the GPU but a KV cache of ") + std::to_string(n_ctx) +
                 " tokens does not: " + e.what();
        return false;
    }
    const auto& device = gpu->device();
    impl.backend_name = "cuda";
    impl.backend_description =
        "CUDA: " + device.name + ", all weights in VRAM (" + gib(double(gpu->weight_bytes())) + ")";
    impl.backend_bandwidth = device.memory_bandwidth;
    model::RoutingObserver* passes = impl.publisher.get();
    CudaModel* model = gpu.get();
    impl.gpu = std::move(gpu);
    impl.gpu_evaluator = [model, passes](size_t n) {
        return std::make_unique<CudaSequence>(*model, model->make_cache(n), passes);
    };
    return true;
}

bool start_cuda_offload(Model::Impl& impl, const std::filesystem::path& path,
                        const OffloadOptions& options, size_t n_ctx,
                        const offload::BuildProgress& progress, std::string& reason) {
    const auto device = backend::cuda::find_device(reason);
    if (!device) return false;
    offload::check_offload_options(options);
    auto quantizer = std::make_shared<backend::cuda::GpuExpertQuantizer>();
    offload::PreparedStore store =
        offload::prepare_store(*impl.model, path, options, *impl.pool, progress,
                               backend::cuda::gpu_store_options(quantizer));
    quantizer.reset();
    auto holder = std::make_shared<CudaOffloadHolder>();
    holder->gpu = backend::cuda::start_gpu_offload(
        *impl.model, store.store, options, options.n_ctx ? options.n_ctx : n_ctx, impl.bus.get(),
        impl.epoch, options.cpu_gbps * 1e9);
    impl.offload = holder->gpu.executor;
    impl.offload_setup = std::move(store.setup);
    impl.offload_setup->device = "CUDA " + device->name + " (" + gib(double(options.device_bytes)) +
                                 " budget, " + gib(double(device->total_bytes)) + " VRAM)";
    impl.backend_name = "cuda";
    impl.backend_description =
        "CUDA: " + device->name + ", offload engine (" + impl.offload_setup->device + ")";
    impl.backend_bandwidth = device->memory_bandwidth;
    CudaOffloadHolder* raw = holder.get();
    impl.gpu = std::move(holder);
    impl.gpu_evaluator = [raw](size_t) { return std::make_unique<CudaOffloadSequence>(*raw); };
    return true;
}

} // namespace hoard::api

#endif
