#pragma once
// What the public Model and Session handles hold (see hoard/engine.hpp).
#include "backend/cpu/thread_pool.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/engine.hpp"
#include "model/model.hpp"
#include "offload/offload_executor.hpp"
#include "offload/sequence_trace_recorder.hpp"
#include "runtime/session.hpp"
#include "telemetry/event_bus.hpp"
#include "template/chat_template.hpp"
#include "tokenizer/tokenizer.hpp"

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
    // Offloading: the executor the model's MoE layers run through, if any.
    std::shared_ptr<offload::OffloadExecutor> offload;
    std::optional<OffloadSetup> offload_setup;
    std::unique_ptr<offload::SequenceTraceRecorder> trace; // while recording routing

    const templ::Template& compiled_template() const;
};

struct Session::Impl {
    std::shared_ptr<const Model> model;
    std::shared_ptr<backend::cpu::ThreadPool> pool;
    runtime::Session session;

    Impl(std::shared_ptr<const Model> m, std::shared_ptr<backend::cpu::ThreadPool> p, size_t n_ctx)
        : model(std::move(m)), pool(std::move(p)),
          session(*model->impl().model, *model->impl().tokenizer, n_ctx, *pool) {}
};

} // namespace hoard
