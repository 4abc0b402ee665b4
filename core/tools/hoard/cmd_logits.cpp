// hoard logits: evaluates a whole sequence and writes float32 logits.
#include "cli_common.hpp"
#include "hoard/error.hpp"

#include <cstdio>
#include <fstream>

namespace hoard::cli {

void register_logits(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "logits",
        "Evaluate a sequence and write its logits (float32, n_tokens x n_vocab, row-major)");
    static std::string path, text_file, tokens_text, out_path;
    cmd->add_option("-m,--model", path, "GGUF model file")->required();
    auto* f = cmd->add_option("--text-file", text_file,
                              "Text to evaluate (special tokens added as the model says)");
    auto* t = cmd->add_option("--tokens", tokens_text, "Token ids to evaluate, e.g. 1,2,3");
    f->excludes(t);
    cmd->add_option("-o,--output", out_path, "Where to write the logits")->required();
    cmd->callback([f, t] {
        if (!*f && !*t) throw CLI::RequiredError("--text-file or --tokens");
        Loaded loaded = load(path);
        const std::vector<int32_t> tokens =
            *t ? parse_token_list(tokens_text)
               : loaded.model->tokenize(read_file(text_file), true, false);
        const std::vector<float> logits = loaded.model->evaluate(tokens);
        std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(out_path + ": cannot create");
        out.write(reinterpret_cast<const char*>(logits.data()),
                  static_cast<std::streamsize>(logits.size() * sizeof(float)));
        out.close();
        if (!out) throw Error(out_path + ": write failed (is the disk full?)");
        std::printf("%s\n", tokens_json(tokens).c_str());
    });
}

} // namespace hoard::cli
