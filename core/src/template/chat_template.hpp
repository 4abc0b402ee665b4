#pragma once
// Hoard's own Jinja2 interpreter for the chat templates stored in GGUF files
// (tokenizer.chat_template). It renders as Hugging Face's environment does:
// jinja2 with trim_blocks and lstrip_blocks, `raise_exception`, `strftime_now`,
// and a `tojson` that keeps non-ASCII text as is.
//
// Deliberate differences from jinja2: map/select/reject/unique/reverse give
// lists rather than one-shot generators (so `xs | map(...) | tojson` works
// where Python fails), list.append/pop and dict.update are allowed (HF's
// immutable sandbox forbids them, llama.cpp allows them), integers are 64-bit,
// range() stops at 100000 items as in HF's sandbox, and case mapping covers
// Latin, Greek and Cyrillic only. `{% include %}`, `{% extends %}`, `{% block %}`
// and `{% import %}` are refused: a chat template is a single file.
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hoard/error.hpp"

namespace hoard::templ {

// What `raise_exception(message)` throws; what() is the template's message.
class TemplateRaisedError : public Error {
  public:
    using Error::Error;
};

// The local wall-clock time `strftime_now` formats; tests inject a fixed one.
using LocalClock = std::function<std::tm()>;

// Bounds that keep a hostile template from hanging or exhausting memory.
struct RenderLimits {
    std::size_t max_output_bytes = 64u << 20;
    std::size_t max_string_bytes = 64u << 20;
    std::size_t max_list_items = 1u << 22;
    std::uint64_t max_steps = 50'000'000; // statements, loop iterations and calls
    int max_call_depth = 200;             // nested macro calls
};

struct RenderOptions {
    LocalClock clock; // empty: the real local time
    RenderLimits limits;
};

class Template {
  public:
    // Throws hoard::Error naming the line on a syntax error.
    static Template parse(std::string_view source);

    // Renders with `context` (a JSON object) as the template's variables. Throws
    // hoard::Error on runtime errors, TemplateRaisedError from raise_exception.
    std::string render(const nlohmann::ordered_json& context) const;
    std::string render(const nlohmann::ordered_json& context, const RenderOptions& options) const;

  private:
    struct Impl;
    explicit Template(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

// The variables a chat template expects: messages, add_generation_prompt,
// bos_token, eos_token, then every key of `extra` (tools, enable_thinking, ...).
nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages,
                                    bool add_generation_prompt, const std::string& bos_token,
                                    const std::string& eos_token,
                                    const nlohmann::ordered_json& extra = {});

// Parses `source` and renders it with chat_context(...).
std::string render_chat(std::string_view source, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& extra = {},
                        const RenderOptions& options = {});

} // namespace hoard::templ
