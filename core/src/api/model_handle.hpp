#pragma once
// What the public Model and Session handles hold (see hoard/engine.hpp).
#include "api/cpu_telemetry_publisher.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/engine.hpp"
#include "model/model.hpp"
#include "offload/offload_executor.hpp"
#include "offload/sequence_trace_recorder.hpp"
#include "runtime/sequence_evaluator.hpp"
#include "runtime/session.hpp"
#include "telemetry/event_bus.hpp"
#include "template/chat_template.hpp"
#include "tokenizer/tokenizer.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace hoard {

struct Model::Impl {
    std::filesystem::path path;
    std::shared_ptr<const gguf::GgufFile> file;
    std::unique_ptr<model::Model> model;
    std::unique_ptr<tokenizer::Tokenizer> tokenizer;
    std::shared_ptr<backend::cpu::ThreadPool> pool;
    ModelSummary summary;
    std::string chat_template; // the model's, or ChatML
    bool has_own_template = false;
    std::string bos_text, eos_text;
    mutable std::once_flag template_parsed;
    mutable std::optional<templ::Template> parsed_template;
    mutable std::string template_error;

    std::unique_ptr<telemetry::EventBus> bus = std::make_unique<telemetry::EventBus>();
    // The clock of the bus's event times: when loading began (the offload
    // engine's clock starts with it).
    std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
    // Publishes the plain CPU engine's passes (not installed when offloaded:
    // the executor publishes its own).
    std::unique_ptr<api::CpuTelemetryPublisher> publisher;
    // Offloading: the executor the model's MoE layers run through, if any.
    std::shared_ptr<offload::OffloadExecutor> offload;
    std::optional<OffloadSetup> offload_setup;
    std::optional<OffloadOptions> offload_options;         // as loaded (for session records)
    std::unique_ptr<offload::SequenceTraceRecorder> trace; // while recording routing

    // The backend (see Backend): "cpu" or "cuda", in words, and the GPU's
    // memory bandwidth (0 on the CPU).
    std::string backend_name = "cpu";
    std::string backend_description;
    double backend_bandwidth = 0;
    // A GPU backend's model (kept alive here, released before `offload` and
    // `model`, which it uses), and how sessions get their sequence: unset,
    // on the CPU engine.
    std::shared_ptr<void> gpu;
    std::function<std::unique_ptr<runtime::SequenceEvaluator>(size_t n_ctx)> gpu_evaluator;

    // A new sequence of n_ctx tokens on this model's backend.
    std::unique_ptr<runtime::SequenceEvaluator> make_evaluator(size_t n_ctx) const {
        if (gpu_evaluator) return gpu_evaluator(n_ctx);
        return std::make_unique<runtime::CpuSequenceEvaluator>(*model, n_ctx, *pool);
    }

    const templ::Template& compiled_template() const;
    // Seconds on the bus's clock.
    double engine_time() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch).count();
    }
    // Installs the model's routing observers: the CPU publisher (when not
    // offloaded) in front of the routing trace (while one is recorded).
    void install_observers();
};

struct Session::Impl {
    std::shared_ptr<const Model> model;
    std::shared_ptr<backend::cpu::ThreadPool> pool;
    runtime::Session session;

    Impl(std::shared_ptr<const Model> m, std::shared_ptr<backend::cpu::ThreadPool> p, size_t n_ctx)
        : model(std::move(m)), pool(std::move(p)),
          session(*model->impl().tokenizer, model->impl().make_evaluator(n_ctx)) {}
};

} // namespace hoard
