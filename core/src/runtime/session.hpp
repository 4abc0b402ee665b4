#pragma once
// One conversation with a model: its KV cache, the tokens in it, and the
// generation loop (prefill in chunks, then sample token by token). A new
// prompt that starts with what the cache already holds only evaluates the rest,
// so a chat turn costs the new message, not the whole history.
#include "backend/cpu/thread_pool.hpp"
#include "hoard/generation.hpp"
#include "model/model.hpp"
#include "runtime/sampler.hpp"
#include "runtime/sequence_evaluator.hpp"
#include "tokenizer/stream_decoder.hpp"
#include "tokenizer/tokenizer.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace hoard::runtime {

class Session {
  public:
    // On the CPU engine.
    Session(const model::Model& model, const tokenizer::Tokenizer& tokenizer, size_t n_ctx,
            backend::cpu::ThreadPool& pool);
    // On any evaluator (a GPU backend's); `evaluator` must not be null.
    Session(const tokenizer::Tokenizer& tokenizer, std::unique_ptr<SequenceEvaluator> evaluator);

    // Throws hoard::Error when the prompt does not fit the context.
    GenerationStats generate(std::span<const int32_t> prompt, const GenerationParams& params,
                             const TokenCallback& on_token,
                             const std::atomic<bool>* cancel = nullptr);

    // Brings the cache to exactly `prompt` and returns the last position's
    // logits; used by generate() and by scoring tools.
    std::span<const float> prefill(std::span<const int32_t> prompt, size_t chunk,
                                   const std::atomic<bool>* cancel, GenerationStats& stats);

    const std::vector<int32_t>& tokens() const { return tokens_; }
    size_t context_size() const { return evaluator_->capacity(); }
    void reset();

  private:
    const tokenizer::Tokenizer& tokenizer_;
    std::unique_ptr<SequenceEvaluator> evaluator_;
    std::vector<int32_t> tokens_; // what the cache holds, in order
    std::vector<float> logits_;
};

} // namespace hoard::runtime
