#include "model/model.hpp"

#include "backend/cpu/rms_norm.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/architecture.hpp"
#include "model/eval_scratch.hpp"
#include "model/moe_block.hpp"
#include "model/transformer_block.hpp"
#include "quant/kernels.hpp"

#include <algorithm>

namespace hoard::model {
namespace {

// Long prompts are evaluated in slices of this many tokens, which bounds the
// scratch memory while keeping each weight's reuse across the slice.
constexpr size_t kMaxBatch = 512;

std::string join(const std::vector<std::string_view>& names) {
    std::string s;
    for (std::string_view n : names) s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
}

} // namespace

Model::Model(std::shared_ptr<const gguf::GgufFile> file)
    : file_(std::move(file)), tensors_(*file_) {}

std::unique_ptr<Model> Model::load(std::shared_ptr<const gguf::GgufFile> file) {
    if (!file) throw Error("no model file was given");
    std::unique_ptr<Model> m(new Model(std::move(file)));
    const gguf::GgufFile& f = *m->file_;
    ModelConfig& c = m->config_;

    const std::string architecture = f.get_string("general.architecture");
    m->arch_ = find_architecture(architecture);
    if (m->arch_ == nullptr)
        throw Error(f.label() + ": the model architecture '" + architecture +
                    "' is not supported (Hoard runs " + join(supported_architectures()) + ")");
    c = read_common_config(f);
    m->arch_->configure(f, c);

    // The vocabulary size is whatever the embedding holds.
    const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
    if (embd == nullptr)
        throw Error(f.label() + ": the model is missing tensor 'token_embd.weight'");
    c.n_vocab = embd->shape.size() >= 2 ? size_t(embd->shape[1]) : 0;
    if (c.n_vocab == 0)
        throw Error(f.label() + ": tensor 'token_embd.weight' has shape " +
                    shape_text(embd->shape) + "; expected [n_embd, n_vocab]");
    validate_config(c, f.label());

    m->token_embd_ = m->tensors_.matrix("token_embd.weight", c.n_embd, c.n_vocab);
    m->output_norm_ = m->tensors_.vector("output_norm.weight", c.n_embd);
    m->output_ = m->tensors_.optional_matrix("output.weight", c.n_embd, c.n_vocab);
    if (m->output_.empty()) {
        m->output_ = m->token_embd_; // tied embeddings
        m->output_tied_ = true;
    }

    m->layers_.reserve(c.n_layer);
    for (size_t l = 0; l < c.n_layer; ++l)
        m->layers_.push_back(m->arch_->load_layer(m->tensors_, c, l));

    if (c.is_moe()) {
        std::vector<std::vector<ExpertMatrices>> experts;
        experts.reserve(c.n_layer);
        for (const LayerWeights& w : m->layers_) experts.push_back(w.experts);
        m->mapped_experts_ = std::make_shared<MappedExpertSource>(std::move(experts));
        m->experts_ = m->mapped_experts_;
    }
    return m;
}

void Model::set_expert_source(std::shared_ptr<ExpertSource> source) {
    experts_ = source ? std::move(source) : mapped_experts_;
}

void Model::check_request(const KvCache& cache, std::span<const int32_t> tokens) const {
    if (cache.n_layer() != config_.n_layer || cache.k_width() != config_.k_width() ||
        cache.v_width() != config_.v_width())
        throw Error("this KV cache was made for a different model");
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || size_t(tokens[i]) >= config_.n_vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " (at index " +
                        std::to_string(i) + ") is outside the model's vocabulary of " +
                        std::to_string(config_.n_vocab) + " tokens");
    const size_t needed = cache.size() + tokens.size();
    if (needed > cache.capacity()) {
        if (cache.size() == 0)
            throw Error("the prompt is longer than the context (" + std::to_string(needed) +
                        " tokens > " + std::to_string(cache.capacity()) + ")");
        throw Error("the context is full (" + std::to_string(cache.size()) + " + " +
                    std::to_string(tokens.size()) + " tokens > " +
                    std::to_string(cache.capacity()) + ")");
    }
}

void Model::eval(KvCache& cache, std::span<const int32_t> tokens, backend::cpu::ThreadPool& pool,
                 LogitsMode mode, std::vector<float>& logits) const {
    check_request(cache, tokens);
    const size_t n = tokens.size();
    const bool all = mode == LogitsMode::All;
    logits.resize(n == 0 ? 0 : all ? n * config_.n_vocab : config_.n_vocab);
    if (n == 0) return;

    const size_t start = cache.size();
    for (size_t begin = 0; begin < n; begin += kMaxBatch) {
        const size_t count = std::min(kMaxBatch, n - begin);
        const bool last_slice = begin + count == n;
        float* out =
            all ? logits.data() + begin * config_.n_vocab : (last_slice ? logits.data() : nullptr);
        eval_batch(cache, tokens.subspan(begin, count), start + begin, pool, out, all);
    }
    cache.set_size(start + n);
}

void Model::eval_batch(KvCache& cache, std::span<const int32_t> tokens, size_t first_position,
                       backend::cpu::ThreadPool& pool, float* logits_out, bool all_logits) const {
    RoutingObserver* observer = observer_;
    if (observer == nullptr) {
        eval_pass(cache, tokens, first_position, pool, logits_out, all_logits, nullptr);
        return;
    }
    observer->on_pass_begin(first_position, tokens.size());
    try {
        eval_pass(cache, tokens, first_position, pool, logits_out, all_logits, observer);
    } catch (...) {
        observer->on_pass_end(false);
        throw;
    }
    observer->on_pass_end(true);
}

void Model::eval_pass(KvCache& cache, std::span<const int32_t> tokens, size_t first_position,
                      backend::cpu::ThreadPool& pool, float* logits_out, bool all_logits,
                      RoutingObserver* observer) const {
    const ModelConfig& c = config_;
    const size_t n = tokens.size();
    EvalScratch& s = cache.scratch();
    s.reserve(c, n);

    for (size_t t = 0; t < n; ++t) {
        quant::dequantize_row(token_embd_.format, token_embd_.row(size_t(tokens[t])),
                              s.x.data() + t * c.n_embd, c.n_embd);
        s.rope[t].compute(int64_t(first_position + t), c.n_rot, c.rope_base);
    }

    ExpertExecutor* executor = c.is_moe() ? executor_.get() : nullptr;
    if (executor != nullptr) executor->begin_pass(first_position, n);
    try {
        for (size_t l = 0; l < c.n_layer; ++l) {
            const BlockContext ctx{c, pool, cache, s, l, first_position, n};
            attention_block(ctx, layers_[l]);
            if (c.is_moe())
                moe_ffn_block(ctx, layers_[l], *experts_, observer, executor);
            else
                dense_ffn_block(ctx, layers_[l]);
            if (observer != nullptr) observer->on_layer_end(l);
        }
    } catch (...) {
        if (executor != nullptr) executor->end_pass(false);
        throw;
    }
    if (executor != nullptr) executor->end_pass(true);
    if (logits_out == nullptr) return;

    // Only the rows whose logits are wanted go through the output head.
    const size_t first = all_logits ? 0 : n - 1;
    const size_t rows = n - first;
    for (size_t t = 0; t < rows; ++t)
        backend::cpu::rms_norm(s.x.data() + (first + t) * c.n_embd, output_norm_,
                               s.xn.data() + t * c.n_embd, c.n_embd, c.rms_eps);
    s.input.reset(s.xn.data(), c.n_embd, rows, c.n_embd);
    backend::cpu::matmul(pool, output_, s.input, logits_out, c.n_vocab);
}

} // namespace hoard::model
