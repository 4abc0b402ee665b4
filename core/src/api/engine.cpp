#include "api/cuda_backend.hpp"
#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "model/model_summary.hpp"
#include "offload/offload_setup.hpp"
#include "synth/synthetic_vocab.hpp"

#include <algorithm>

namespace hoard {
namespace {

constexpr size_t kDefaultContext = 4096;
constexpr size_t kPage = 4096;

void check_cancel(const std::atomic<bool>* cancel, const std::filesystem::path& path) {
    if (cancel && cancel->load()) throw Error(path.string() + ": loading cancelled");
}

// Touches every page of the mapping so that the first tokens do not stall on
// disk reads, reporting progress and honouring cancellation as it goes.
void page_in(const gguf::GgufFile& file, const LoadProgress& progress,
             const std::atomic<bool>* cancel, const std::filesystem::path& path) {
    const auto bytes = file.bytes();
    volatile uint8_t sink = 0;
    const size_t step = size_t(64) << 20;
    for (size_t at = 0; at < bytes.size(); at += step) {
        check_cancel(cancel, path);
        const size_t end = std::min(bytes.size(), at + step);
        for (size_t p = at; p < end; p += kPage) sink = sink + bytes[p];
        if (progress) progress(0.4 + 0.6 * double(end) / double(bytes.size()), "reading weights");
    }
}

// With offloading the experts stay on storage until the host tier reads
// them: only the other weights are paged in.
void page_in_non_experts(const gguf::GgufFile& file, const LoadProgress& progress,
                         const std::atomic<bool>* cancel, const std::filesystem::path& path) {
    volatile uint8_t sink = 0;
    const auto& tensors = file.tensors();
    for (size_t i = 0; i < tensors.size(); ++i) {
        check_cancel(cancel, path);
        const gguf::TensorInfo& t = tensors[i];
        if (model::is_routed_expert_tensor(t.name)) continue;
        for (uint64_t p = 0; p < t.n_bytes; p += kPage) sink = sink + t.data[p];
        if (progress)
            progress(0.4 + 0.1 * double(i + 1) / double(tensors.size()), "reading weights");
    }
}

// Text whose expert inputs calibrate the sensitivity measurement.
constexpr const char* kCalibrationText =
    "The committee met on a cold morning to review the budget. After a long discussion about "
    "bridges, schools and the harbour, they agreed to publish every figure online. def "
    "area(radius): return 3.14159 * radius ** 2  # a circle. Then someone asked why the sky is "
    "blue, and the answer was Rayleigh scattering: shorter wavelengths scatter more strongly.";

// Why the CPU runs a model that asked for any backend ("" when it asked for the CPU).
std::string cpu_note(const std::string& gpu_reason) {
    return gpu_reason.empty() ? "" : "; CUDA not used: " + gpu_reason;
}

// Tries the GPU for `backend` Auto or Cuda. Returns false with `reason` where
// Auto falls back to the CPU; throws hoard::Error where Cuda cannot run (or
// loading was cancelled).
bool start_on_gpu(Model::Impl& impl, const std::filesystem::path& path,
                  const std::optional<OffloadOptions>& offload, size_t n_ctx,
                  const offload::BuildProgress& progress, Backend backend,
                  const std::atomic<bool>* cancel, std::string& reason) {
#if HOARD_HAVE_CUDA
    try {
        const bool started =
            offload ? api::start_cuda_offload(impl, path, *offload, n_ctx, progress, reason)
                    : api::start_cuda_model(impl, n_ctx, reason);
        if (started) return true;
    } catch (const Error& e) {
        check_cancel(cancel, path);
        if (backend == Backend::Cuda) throw;
        reason = e.what();
        return false;
    }
#else
    (void)impl, (void)offload, (void)n_ctx, (void)progress, (void)cancel;
    reason = "this build of Hoard has no CUDA backend";
#endif
    if (backend == Backend::Cuda)
        throw Error(path.string() + ": the CUDA backend cannot run this model: " + reason);
    return false;
}

} // namespace

struct Engine::Impl {
    std::shared_ptr<backend::cpu::ThreadPool> pool;
};

Engine::Engine() : Engine(Options{}) {}

Engine::Engine(Options options) : impl_(std::make_shared<Impl>()) {
    impl_->pool = std::make_shared<backend::cpu::ThreadPool>(options.n_threads);
}

Engine::~Engine() = default;

size_t Engine::n_threads() const {
    return impl_->pool->size();
}

std::shared_ptr<Model> Engine::load_model(const std::filesystem::path& path,
                                          const LoadProgress& progress,
                                          const std::atomic<bool>* cancel,
                                          const LoadOptions& options) {
    auto impl = std::make_unique<Model::Impl>();
    impl->path = path;
    impl->pool = impl_->pool;
    if (progress) progress(0.0, "opening file");
    impl->file = gguf::GgufFile::open(path);
    check_cancel(cancel, path);
    if (progress) progress(0.1, "reading vocabulary");
    impl->tokenizer = tokenizer::Tokenizer::from_gguf(*impl->file);
    check_cancel(cancel, path);
    if (progress) progress(0.3, "checking weights");
    impl->model = model::Model::load(impl->file);
    if (impl->tokenizer->n_vocab() != impl->model->config().n_vocab)
        throw Error(path.string() + ": the vocabulary has " +
                    std::to_string(impl->tokenizer->n_vocab()) + " tokens but the model has " +
                    std::to_string(impl->model->config().n_vocab) + " output rows");
    if (options.offload)
        page_in_non_experts(*impl->file, progress, cancel, path);
    else
        page_in(*impl->file, progress, cancel, path);

    const std::string own = impl->file->get_string("tokenizer.chat_template", "");
    impl->has_own_template = !own.empty();
    impl->chat_template = own.empty() ? synth::chatml_template() : own;
    const auto& tok = *impl->tokenizer;
    if (tok.bos_id() >= 0) impl->bos_text = tok.token_text(tok.bos_id());
    if (tok.eos_id() >= 0) impl->eos_text = tok.token_text(tok.eos_id());
    const size_t n_ctx = std::min(kDefaultContext, impl->model->config().n_ctx_train
                                                       ? impl->model->config().n_ctx_train
                                                       : kDefaultContext);
    if (options.offload) {
        OffloadOptions o = *options.offload;
        if (o.sensitivity && o.low_precision && o.calibration_tokens.empty())
            o.calibration_tokens = tok.encode(kCalibrationText, true, false);
        // The offload engine's clock starts now: events of both engines share it.
        impl->epoch = std::chrono::steady_clock::now();
        const offload::BuildProgress build_progress = [&](double fraction, std::string_view stage) {
            check_cancel(cancel, path);
            if (progress) progress(0.5 + 0.5 * std::clamp(fraction, 0.0, 1.0), stage);
        };
        std::string gpu_reason;
        if (options.backend != Backend::Cpu && start_on_gpu(*impl, path, o, n_ctx, build_progress,
                                                            options.backend, cancel, gpu_reason)) {
            impl->offload_options = std::move(o);
        } else {
            auto prepared = offload::prepare_offload(*impl->model, path, o, n_ctx, impl->bus.get(),
                                                     *impl->pool, build_progress);
            impl->offload = std::move(prepared.executor);
            impl->offload_setup = std::move(prepared.setup);
            impl->model->set_expert_executor(impl->offload);
            impl->offload_options = std::move(o);
            impl->backend_description =
                "CPU, offload engine on the " + impl->offload_setup->device + cpu_note(gpu_reason);
        }
    } else {
        impl->publisher = std::make_unique<api::CpuTelemetryPublisher>(*impl->bus, impl->epoch);
        std::string gpu_reason;
        if (options.backend == Backend::Cpu || !start_on_gpu(*impl, path, std::nullopt, n_ctx, {},
                                                             options.backend, cancel, gpu_reason))
            impl->backend_description =
                "CPU (" + std::to_string(impl->pool->size()) + " threads)" + cpu_note(gpu_reason);
    }
    impl->install_observers();
    // An offloaded model's sessions default to the context its plan holds.
    impl->summary =
        model::summarize(*impl->model, impl->offload ? impl->offload->plan().n_ctx : n_ctx);
    impl->summary.bos_token = tok.bos_id();
    impl->summary.eos_token = tok.eos_id();
    if (progress) progress(1.0, "ready");
    return std::make_shared<Model>(std::move(impl));
}

std::unique_ptr<Session> Engine::create_session(std::shared_ptr<const Model> model, size_t n_ctx) {
    if (!model) throw Error("no model given for the session");
    if (n_ctx == 0) n_ctx = model->summary().n_ctx;
    if (const auto plan = model->offload_plan(); plan && n_ctx > plan->n_ctx)
        throw Error("the offload plan holds a KV cache of " + std::to_string(plan->n_ctx) +
                    " tokens on the device; a session of " + std::to_string(n_ctx) +
                    " tokens needs a plan for that context");
    return std::make_unique<Session>(std::make_unique<Session::Impl>(model, impl_->pool, n_ctx));
}

} // namespace hoard
