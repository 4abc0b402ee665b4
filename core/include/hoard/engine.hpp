#pragma once
// The engine facade: the one set of objects the CLI, the desktop app, the C ABI
// and the server use. Internals stay behind it.
//
// Threading: an Engine owns a pool of worker threads. Models are immutable once
// loaded and may be shared; a Session is one conversation and must be used by
// one thread at a time (cancel it from any thread through its cancel flag).
#include "hoard/generation.hpp"
#include "hoard/model_summary.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hoard {

struct ChatMessage {
    std::string role; // "system", "user", "assistant"
    std::string content;
};

// Reports loading progress: fraction in [0, 1] and what is being done.
using LoadProgress = std::function<void(double fraction, std::string_view stage)>;

class Model;
class Session;

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
    // `cancel` becomes true (the message then says it was cancelled).
    std::shared_ptr<Model> load_model(const std::filesystem::path& path,
                                      const LoadProgress& progress = {},
                                      const std::atomic<bool>* cancel = nullptr);

    // n_ctx 0: the model's training context, capped at 4096.
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
    explicit Session(std::unique_ptr<Impl> impl);

  private:
    std::unique_ptr<Impl> impl_;
    std::atomic<bool> cancel_{false};
};

} // namespace hoard
