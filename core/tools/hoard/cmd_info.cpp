// hoard info MODEL: shape, sizes, experts, quantization mix, memory needed.
#include "cli_common.hpp"

#include <cstdio>

namespace hoard::cli {

void register_info(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("info", "Describe a GGUF model: shape, experts, quantization, memory");
    static std::string path;
    static size_t n_ctx = 4096;
    cmd->add_option("model", path, "GGUF model file")->required();
    cmd->add_option("--ctx", n_ctx, "Context length for the memory estimate")
        ->capture_default_str();
    cmd->callback([] {
        Loaded loaded = load(path);
        std::fputs(describe(loaded.model->summary_at(n_ctx)).c_str(), stdout);
        std::printf("chat template         %s\n",
                    loaded.model->has_chat_template() ? "from the model" : "none (ChatML is used)");
    });
}

} // namespace hoard::cli
