// The public Model handle: tokenizer, chat template and evaluation.
#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "model/model_summary.hpp"

#include <nlohmann/json.hpp>

namespace hoard {

const templ::Template& Model::Impl::compiled_template() const {
    std::call_once(template_parsed, [this] {
        try {
            parsed_template = templ::Template::parse(chat_template);
        } catch (const Error& e) {
            template_error = e.what();
        }
    });
    if (!parsed_template)
        throw Error(path.string() + ": the chat template is invalid: " + template_error);
    return *parsed_template;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const std::filesystem::path& Model::path() const {
    return impl_->path;
}
const ModelSummary& Model::summary() const {
    return impl_->summary;
}

ModelSummary Model::summary_at(size_t n_ctx) const {
    ModelSummary s = model::summarize(*impl_->model, n_ctx);
    s.bos_token = impl_->summary.bos_token;
    s.eos_token = impl_->summary.eos_token;
    return s;
}

std::vector<int32_t> Model::tokenize(std::string_view text, bool add_special,
                                     bool parse_special) const {
    return impl_->tokenizer->encode(text, add_special, parse_special);
}

std::string Model::detokenize(std::span<const int32_t> tokens) const {
    return impl_->tokenizer->decode(tokens);
}

std::string Model::token_text(int32_t token) const {
    return impl_->tokenizer->token_text(token);
}
size_t Model::n_vocab() const {
    return impl_->tokenizer->n_vocab();
}
bool Model::has_chat_template() const {
    return impl_->has_own_template;
}
const std::string& Model::chat_template() const {
    return impl_->chat_template;
}

std::string Model::render_chat(const std::vector<ChatMessage>& messages,
                               bool add_generation_prompt) const {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const ChatMessage& m : messages)
        list.push_back({{"role", m.role}, {"content", m.content}});
    nlohmann::ordered_json context = {{"messages", list},
                                      {"add_generation_prompt", add_generation_prompt},
                                      {"bos_token", impl_->bos_text},
                                      {"eos_token", impl_->eos_text}};
    return impl_->compiled_template().render(context);
}

std::vector<int32_t> Model::tokenize_chat(const std::vector<ChatMessage>& messages,
                                          bool add_generation_prompt) const {
    const std::string text = render_chat(messages, add_generation_prompt);
    // Templates usually write the BOS text themselves; add it only when they do not.
    const bool template_has_bos = !impl_->bos_text.empty() && text.starts_with(impl_->bos_text);
    return impl_->tokenizer->encode(text, !template_has_bos, true);
}

std::vector<float> Model::evaluate(std::span<const int32_t> tokens) const {
    if (tokens.empty()) throw Error("nothing to evaluate: no tokens given");
    const auto sequence = impl_->make_evaluator(tokens.size());
    std::vector<float> logits;
    sequence->eval(tokens, model::LogitsMode::All, logits);
    return logits;
}

} // namespace hoard

namespace hoard {

std::string Model::backend_name() const {
    return impl_->backend_name;
}
std::string Model::backend_description() const {
    return impl_->backend_description;
}
double Model::backend_memory_bandwidth() const {
    return impl_->backend_bandwidth;
}

} // namespace hoard
