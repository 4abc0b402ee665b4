#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "model/model_summary.hpp"
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
                                          const std::atomic<bool>* cancel) {
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
    impl->summary = model::summarize(*impl->model, n_ctx);
    impl->summary.bos_token = tok.bos_id();
    impl->summary.eos_token = tok.eos_id();
    if (progress) progress(1.0, "ready");
    return std::make_shared<Model>(std::move(impl));
}

std::unique_ptr<Session> Engine::create_session(std::shared_ptr<const Model> model, size_t n_ctx) {
    if (!model) throw Error("no model given for the session");
    if (n_ctx == 0) n_ctx = model->summary().n_ctx;
    return std::make_unique<Session>(std::make_unique<Session::Impl>(model, impl_->pool, n_ctx));
}

} // namespace hoard
