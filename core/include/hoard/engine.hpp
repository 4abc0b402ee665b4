#pragma once
// The engine facade: the one set of objects the CLI, the desktop app, the C ABI
// and the server use. Internals stay behind it.
//
// Threading: an Engine owns a pool of worker threads. Models are immutable once
// loaded and may be shared; a Session is one conversation and must be used by
// one thread at a time (cancel it from any thread through its cancel flag).
#include "hoard/generation.hpp"
#include "hoard/model_summary.hpp"
#include "hoard/offload.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::telemetry {
class EventBus;
}

namespace hoard {

struct ChatMessage {
    std::string role; // "system", "user", "assistant"
    std::string content;
};

// Reports loading progress: fraction in [0, 1] and what is being done.
using LoadProgress = std::function<void(double fraction, std::string_view stage)>;

class Model;
class Session;

// Where a model runs. Auto: on a usable CUDA GPU when the model fits its
// budget (all in VRAM, or through the GPU offload engine when offload options
// are given), else on the CPU (offloading to the simulated device); never an
// error for want of a GPU. Cuda: on the GPU or a clear error. Cpu: the CPU.
enum class Backend { Auto, Cpu, Cuda };

struct LoadOptions {
    Backend backend = Backend::Auto;
    // Run the experts through the offload engine (device and host budgets,
    // cache policy, precisions, CPU fallback, prefetching; see hoard/offload.hpp).
    std::optional<OffloadOptions> offload;
};

class Engine {
  public:
    struct Options {
        size_t n_threads = 0; // 0: one per hardware thread
    };
    Engine();
    explicit Engine(Options options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Throws hoard::Error for a missing, malformed or unsupported model, and when
    // `cancel` becomes true (the message then says it was cancelled). With
    // offload options, also for settings the offload engine cannot meet (a
    // device budget too small for what every token needs, ...).
    std::shared_ptr<Model> load_model(const std::filesystem::path& path,
                                      const LoadProgress& progress = {},
                                      const std::atomic<bool>* cancel = nullptr,
                                      const LoadOptions& options = {});

    // n_ctx 0: the model's training context, capped at 4096 (for an offloaded
    // model: the context its device plan holds, which n_ctx may not exceed).
    std::unique_ptr<Session> create_session(std::shared_ptr<const Model> model, size_t n_ctx = 0);

    size_t n_threads() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

class Model {
  public:
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const std::filesystem::path& path() const;
    const ModelSummary& summary() const; // with the KV cache at the default context
    ModelSummary summary_at(size_t n_ctx) const;

    // Tokenizer. add_special: BOS/EOS as the model's metadata says; parse_special:
    // recognise special-token text such as "<|im_end|>" in `text`.
    std::vector<int32_t> tokenize(std::string_view text, bool add_special,
                                  bool parse_special) const;
    std::string detokenize(std::span<const int32_t> tokens) const;
    std::string token_text(int32_t token) const;
    size_t n_vocab() const;

    // Chat: the model's template, or ChatML when the file has none.
    bool has_chat_template() const;
    const std::string& chat_template() const;
    std::string render_chat(const std::vector<ChatMessage>& messages,
                            bool add_generation_prompt) const;
    std::vector<int32_t> tokenize_chat(const std::vector<ChatMessage>& messages,
                                       bool add_generation_prompt) const;

    // Logits of every position of `tokens` evaluated as one sequence, row-major
    // n_tokens × n_vocab.
    std::vector<float> evaluate(std::span<const int32_t> tokens) const;

    // Where it runs: "cpu" or "cuda", and in words (the GPU, how it holds the
    // model, or why the GPU was not used).
    std::string backend_name() const;
    std::string backend_description() const;
    // The GPU's memory bandwidth in bytes/s (the datasheet figure); 0 on the CPU.
    double backend_memory_bandwidth() const;

    // Offloading (when loaded with LoadOptions::offload).
    bool offloaded() const;
    OffloadCounters offload_counters() const; // all zero when not offloaded; any thread
    std::optional<OffloadPlan> offload_plan() const;
    std::optional<OffloadSetup> offload_setup() const;
    // Where the engine publishes telemetry (expert decisions, transfers,
    // stalls, prefetch outcomes, layer and pass times, one flush per forward
    // pass; the plain CPU engine publishes its passes and routing too).
    // Internal: record and watch through hoard/profiling.hpp (Recording,
    // LiveFeed) instead.
    telemetry::EventBus& event_bus() const;

    // Records the routing of every evaluation from now on (a new sequence
    // whenever evaluation starts at position 0), until stop_routing_trace()
    // writes it as a JSON Lines trace that `hoard replay` and the planner read.
    // Returns the tokens recorded. Not while another thread evaluates.
    void start_routing_trace();
    size_t stop_routing_trace(const std::filesystem::path& path);

    struct Impl;
    const Impl& impl() const { return *impl_; }
    explicit Model(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
};

class Session {
  public:
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    GenerationStats generate(std::span<const int32_t> prompt, const GenerationParams& params,
                             const TokenCallback& on_token);
    // Renders the conversation with the model's template (adding the assistant
    // prompt) and generates the reply; earlier turns still in the cache are reused.
    GenerationStats chat(const std::vector<ChatMessage>& messages, const GenerationParams& params,
                         const TokenCallback& on_token);

    // Safe to call from any thread while generate() or chat() runs.
    void cancel() { cancel_.store(true); }
    void reset();
    size_t context_size() const;
    size_t cached_tokens() const;
    const Model& model() const;

    struct Impl;
    const Impl& impl() const { return *impl_; }
    explicit Session(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
    std::atomic<bool> cancel_{false};
};

} // namespace hoard
