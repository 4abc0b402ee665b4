#include "runtime/session.hpp"

#include "hoard/error.hpp"

#include <algorithm>
#include <chrono>

namespace hoard::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

} // namespace

Session::Session(const model::Model& model, const tokenizer::Tokenizer& tokenizer, size_t n_ctx,
                 backend::cpu::ThreadPool& pool)
    : Session(tokenizer, std::make_unique<CpuSequenceEvaluator>(model, n_ctx, pool)) {}

Session::Session(const tokenizer::Tokenizer& tokenizer,
                 std::unique_ptr<SequenceEvaluator> evaluator)
    : tokenizer_(tokenizer), evaluator_(std::move(evaluator)) {
    if (!evaluator_) throw Error("a session needs an evaluator");
}

void Session::reset() {
    evaluator_->clear();
    tokens_.clear();
}

std::span<const float> Session::prefill(std::span<const int32_t> prompt, size_t chunk,
                                        const std::atomic<bool>* cancel, GenerationStats& stats) {
    if (prompt.empty()) throw Error("the prompt is empty");
    if (prompt.size() > evaluator_->capacity())
        throw Error("the prompt is longer than the context (" + std::to_string(prompt.size()) +
                    " tokens > " + std::to_string(evaluator_->capacity()) + ")");
    // Keep the longest cached prefix, but always evaluate at least the last token
    // so that its logits are fresh.
    size_t keep = 0;
    const size_t limit = std::min(tokens_.size(), prompt.size() - 1);
    while (keep < limit && tokens_[keep] == prompt[keep]) ++keep;
    keep = evaluator_->truncate(keep);
    tokens_.resize(keep);
    stats.prompt_tokens = prompt.size();
    stats.reused_tokens = keep;

    const auto start = Clock::now();
    chunk = std::max<size_t>(chunk, 1);
    for (size_t at = keep; at < prompt.size(); at += chunk) {
        if (cancelled(cancel)) break;
        const auto piece = prompt.subspan(at, std::min(chunk, prompt.size() - at));
        evaluator_->eval(piece, model::LogitsMode::Last, logits_);
        tokens_.insert(tokens_.end(), piece.begin(), piece.end());
    }
    stats.prefill_seconds = seconds_since(start);
    return logits_;
}

GenerationStats Session::generate(std::span<const int32_t> prompt, const GenerationParams& params,
                                  const TokenCallback& on_token, const std::atomic<bool>* cancel) {
    const auto start = Clock::now();
    GenerationStats stats;
    prefill(prompt, params.prefill_chunk, cancel, stats);
    if (tokens_.size() < prompt.size()) {
        stats.stop = StopReason::Cancelled;
        return stats;
    }

    Sampler sampler(params.sampling);
    tokenizer::StreamDecoder decoder(tokenizer_);
    Clock::time_point first_token_time{};
    const auto limit = params.max_tokens < 0 ? SIZE_MAX : size_t(params.max_tokens);
    while (true) {
        if (stats.generated_tokens >= limit) {
            stats.stop = StopReason::MaxTokens;
            break;
        }
        if (cancelled(cancel)) {
            stats.stop = StopReason::Cancelled;
            break;
        }
        const int32_t token = sampler.sample(logits_, tokens_);
        if (stats.generated_tokens++ == 0) {
            first_token_time = Clock::now();
            stats.first_token_seconds =
                std::chrono::duration<double>(first_token_time - start).count();
        }
        if (params.stop_at_end_of_generation && tokenizer_.is_end_of_generation(token)) {
            stats.stop = StopReason::EndOfGeneration;
            break;
        }
        const std::string text = decoder.push(token);
        if (on_token && !on_token(token, text)) {
            stats.stop = StopReason::CallbackStopped;
            break;
        }
        if (evaluator_->size() >= evaluator_->capacity()) {
            stats.stop = StopReason::ContextFull;
            break;
        }
        const int32_t one[] = {token};
        evaluator_->eval(one, model::LogitsMode::Last, logits_);
        tokens_.push_back(token);
    }
    if (on_token) {
        const std::string rest = decoder.flush();
        if (!rest.empty()) on_token(-1, rest);
    }
    if (stats.generated_tokens > 0) stats.decode_seconds = seconds_since(first_token_time);
    return stats;
}

} // namespace hoard::runtime
