#pragma once
// The seam between a session and whatever evaluates its tokens: one sequence
// (its KV cache wherever it lives) that takes tokens and gives logits. The
// CPU engine is one implementation; the GPU backends are others (in the api
// layer, which is built with the CUDA backend).
#include "backend/cpu/thread_pool.hpp"
#include "model/model.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hoard::runtime {

class SequenceEvaluator {
  public:
    virtual ~SequenceEvaluator() = default;
    // Evaluates `tokens` at positions size() … and appends them; writes their
    // logits as Model::eval does. Throws hoard::Error, leaving the sequence as
    // it was, for a token outside the vocabulary or a full sequence.
    virtual void eval(std::span<const int32_t> tokens, model::LogitsMode mode,
                      std::vector<float>& logits) = 0;
    virtual size_t size() const = 0;
    virtual size_t capacity() const = 0;
    // Keeps at most the first n tokens and returns how many it kept: a
    // sequence that cannot drop a suffix (one on the GPU offload engine) may
    // keep fewer, down to none.
    virtual size_t truncate(size_t n) = 0;
    virtual void clear() = 0;
};

// The CPU engine: the model's eval over a host KV cache on the engine's pool.
class CpuSequenceEvaluator final : public SequenceEvaluator {
  public:
    CpuSequenceEvaluator(const model::Model& model, size_t n_ctx, backend::cpu::ThreadPool& pool)
        : model_(model), pool_(pool), cache_(model.make_cache(n_ctx)) {}

    void eval(std::span<const int32_t> tokens, model::LogitsMode mode,
              std::vector<float>& logits) override {
        model_.eval(cache_, tokens, pool_, mode, logits);
    }
    size_t size() const override { return cache_.size(); }
    size_t capacity() const override { return cache_.capacity(); }
    size_t truncate(size_t n) override;
    void clear() override { cache_.clear(); }

  private:
    const model::Model& model_;
    backend::cpu::ThreadPool& pool_;
    model::KvCache cache_;
};

} // namespace hoard::runtime
