#include "template/chat_template.hpp"

#include "template/interpreter.hpp"
#include "template/json_value.hpp"
#include "template/lexer.hpp"
#include "template/parser.hpp"
#include "template/render_arena.hpp"

namespace hoard::templ {

struct Template::Impl {
    Body body;
};

Template Template::parse(std::string_view source) {
    auto impl = std::make_shared<Impl>();
    impl->body = Parser(tokenize(source)).parse_template();
    return Template(std::move(impl));
}

std::string Template::render(const nlohmann::ordered_json& context) const {
    return render(context, RenderOptions{});
}

std::string Template::render(const nlohmann::ordered_json& context,
                             const RenderOptions& options) const {
    if (!context.is_object() && !context.is_null())
        throw Error("chat template context must be a JSON object");
    RenderArena arena; // first: it must outlive every value the render makes
    const Value variables = context.is_null() ? Value::new_dict() : from_json(context);
    Interpreter interpreter(options.clock, options.limits);
    return interpreter.render(impl_->body, variables);
}

nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages,
                                    bool add_generation_prompt, const std::string& bos_token,
                                    const std::string& eos_token,
                                    const nlohmann::ordered_json& extra) {
    if (!extra.is_null() && !extra.is_object())
        throw Error("extra chat template variables must be a JSON object");
    nlohmann::ordered_json context = nlohmann::ordered_json::object();
    context["messages"] = messages;
    context["add_generation_prompt"] = add_generation_prompt;
    context["bos_token"] = bos_token;
    context["eos_token"] = eos_token;
    if (extra.is_object()) {
        for (auto it = extra.begin(); it != extra.end(); ++it) context[it.key()] = it.value();
    }
    return context;
}

std::string render_chat(std::string_view source, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token,
                        const std::string& eos_token, const nlohmann::ordered_json& extra,
                        const RenderOptions& options) {
    return Template::parse(source).render(
        chat_context(messages, add_generation_prompt, bos_token, eos_token, extra), options);
}

} // namespace hoard::templ
