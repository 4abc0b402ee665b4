// hoard template: renders a conversation with a chat template.
#include "cli_common.hpp"
#include "hoard/tools.hpp"

#include <cstdio>

namespace hoard::cli {

void register_template(CLI::App& app) {
    auto* cmd = app.add_subcommand("template", "Render a conversation with a chat template");
    static std::string path, template_file, messages_file, bos, eos;
    static bool add_generation_prompt = false;
    auto* m = cmd->add_option("-m,--model", path, "Use this model's template and special tokens");
    auto* t = cmd->add_option("--template-file", template_file, "A Jinja chat template file");
    m->excludes(t);
    cmd->add_option(
           "--messages-file", messages_file,
           "JSON: an array of messages, or an object with \"messages\" and other variables")
        ->required();
    cmd->add_flag("--add-generation-prompt", add_generation_prompt,
                  "End with the assistant's turn");
    auto* b = cmd->add_option("--bos", bos, "Text of the BOS token (default: the model's)");
    auto* e = cmd->add_option("--eos", eos, "Text of the EOS token (default: the model's)");
    cmd->callback([m, t, b, e] {
        if (!*m && !*t) throw CLI::RequiredError("-m or --template-file");
        const std::string context = read_file(messages_file);
        std::string source, bos_text = bos, eos_text = eos;
        if (*m) {
            Loaded loaded = load(path);
            source = loaded.model->chat_template();
            const ModelSummary& s = loaded.model->summary();
            if (!*b && s.bos_token >= 0) bos_text = loaded.model->token_text(s.bos_token);
            if (!*e && s.eos_token >= 0) eos_text = loaded.model->token_text(s.eos_token);
        } else {
            source = read_file(template_file);
        }
        const std::string text =
            render_chat_template(source, context, add_generation_prompt, bos_text, eos_text);
        std::fwrite(text.data(), 1, text.size(), stdout);
    });
}

} // namespace hoard::cli
