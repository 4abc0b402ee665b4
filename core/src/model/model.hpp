#pragma once
// A loaded model: configuration, weights in place in the mapped GGUF file,
// and the forward pass. One Model serves any number of sequences, each with
// its own KvCache; eval() on different caches may run concurrently (with
// different thread pools).
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "model/expert_executor.hpp"
#include "model/expert_source.hpp"
#include "model/kv_cache.hpp"
#include "model/layer_weights.hpp"
#include "model/model_config.hpp"
#include "model/routing_observer.hpp"
#include "model/tensor_lookup.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::model {

struct Architecture;

enum class LogitsMode {
    All,  // n_tokens × n_vocab, row-major
    Last, // n_vocab, for the last token only
};

class Model {
  public:
    // Reads the configuration, finds and checks every weight; throws
    // hoard::Error naming what is missing, misshapen or unsupported.
    static std::unique_ptr<Model> load(std::shared_ptr<const gguf::GgufFile> file);

    const ModelConfig& config() const { return config_; }
    const gguf::GgufFile& file() const { return *file_; }
    const Architecture& architecture() const { return *arch_; }

    // Evaluates `tokens` at positions cache.size(), cache.size() + 1, …, appends
    // them to the cache and writes their logits (resizing `logits`). The whole
    // batch goes through each weight at once. Throws hoard::Error, leaving the
    // cache as it was, for a token outside the vocabulary, a cache too small,
    // or a cache made for another model.
    void eval(KvCache& cache, std::span<const int32_t> tokens, backend::cpu::ThreadPool& pool,
              LogitsMode mode, std::vector<float>& logits) const;

    // A cache for this model with room for n_ctx tokens.
    KvCache make_cache(size_t n_ctx) const { return KvCache(config_, n_ctx); }

    // The weights as found in the file.
    const LayerWeights& layer(size_t i) const { return layers_.at(i); }
    const backend::cpu::MatrixView& token_embedding() const { return token_embd_; }
    const backend::cpu::MatrixView& output() const { return output_; }
    bool output_tied_to_embedding() const { return output_tied_; }

    // Where the MoE layers take expert weights from; nullptr restores the
    // mapped file. Set between evaluations, not during one.
    void set_expert_source(std::shared_ptr<ExpertSource> source);
    // Sees every routing decision and the passes and layers around them;
    // nullptr for none. The observer must outlive its use.
    void set_routing_observer(RoutingObserver* observer) { observer_ = observer; }
    // Takes over the expert step of every MoE layer (the offload engine);
    // nullptr: the experts run here, from the expert source. Set between
    // evaluations, not during one.
    void set_expert_executor(std::shared_ptr<ExpertExecutor> executor) {
        executor_ = std::move(executor);
    }
    ExpertExecutor* expert_executor() const { return executor_.get(); }

  private:
    Model(std::shared_ptr<const gguf::GgufFile> file);
    void check_request(const KvCache& cache, std::span<const int32_t> tokens) const;
    void eval_batch(KvCache& cache, std::span<const int32_t> tokens, size_t first_position,
                    backend::cpu::ThreadPool& pool, float* logits_out, bool all_logits) const;
    // eval_batch's work, between the observer's pass calls.
    void eval_pass(KvCache& cache, std::span<const int32_t> tokens, size_t first_position,
                   backend::cpu::ThreadPool& pool, float* logits_out, bool all_logits,
                   RoutingObserver* observer) const;

    std::shared_ptr<const gguf::GgufFile> file_;
    TensorLookup tensors_;
    const Architecture* arch_ = nullptr;
    ModelConfig config_;
    backend::cpu::MatrixView token_embd_;
    backend::cpu::MatrixView output_;
    bool output_tied_ = false;
    const float* output_norm_ = nullptr;
    std::vector<LayerWeights> layers_;
    std::shared_ptr<ExpertSource> mapped_experts_;
    std::shared_ptr<ExpertSource> experts_;
    RoutingObserver* observer_ = nullptr;
    std::shared_ptr<ExpertExecutor> executor_;
};

} // namespace hoard::model
