// hoard tokenize: token ids of a text as a JSON array.
#include "cli_common.hpp"

#include <cstdio>

namespace hoard::cli {

void register_tokenize(CLI::App& app) {
    auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
    static std::string path, text, text_file;
    static bool add_special = false, parse_special = false;
    cmd->add_option("-m,--model", path, "GGUF model (or vocabulary-only) file")->required();
    auto* t = cmd->add_option("--text", text, "Text to tokenize");
    auto* f = cmd->add_option("--text-file", text_file, "File whose contents to tokenize");
    t->excludes(f);
    cmd->add_flag("--add-special", add_special, "Add BOS/EOS as the model's metadata says");
    cmd->add_flag("--parse-special", parse_special, "Recognise special-token text in the input");
    cmd->callback([t, f] {
        if (!*t && !*f) throw CLI::RequiredError("--text or --text-file");
        const std::string input = *f ? read_file(text_file) : text;
        Loaded loaded = load(path);
        std::printf("%s\n",
                    tokens_json(loaded.model->tokenize(input, add_special, parse_special)).c_str());
    });
}

} // namespace hoard::cli
