// hoard synth: writes a model of a known shape with random weights.
#include "cli_common.hpp"
#include "hoard/tools.hpp"

#include <cstdio>
#include <unistd.h>

namespace hoard::cli {

void register_synth(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("synth", "Write a GGUF model of a known shape with random weights");
    static SyntheticModelOptions options;
    static std::string out;
    std::string shapes;
    for (const std::string& s : synthetic_model_shapes())
        shapes += (shapes.empty() ? "" : ", ") + s;
    cmd->add_option("--shape", options.shape, "Model shape: " + shapes)->capture_default_str();
    cmd->add_option("--type", options.type, "Weight type: f16, q8_0, q4_k, q4_k_m")
        ->capture_default_str();
    cmd->add_option("--seed", options.seed, "Random seed")->capture_default_str();
    cmd->add_option("--layers", options.n_layer, "Fewer layers than the shape has (0: all)");
    cmd->add_option("-o,--output", out, "Where to write the model")->required();
    cmd->callback([] {
        const bool show = isatty(STDERR_FILENO);
        int last_percent = -1;
        const uint64_t bytes =
            write_synthetic_model(options, out, [&](uint64_t done, uint64_t total) {
                const int percent = total ? static_cast<int>(100 * done / total) : 100;
                if (show && percent != last_percent)
                    std::fprintf(stderr, "\rwriting: %3d%%", percent);
                last_percent = percent;
            });
        if (show) std::fprintf(stderr, "\r");
        std::printf("wrote %s (%.1f MiB, shape %s, type %s)\n", out.c_str(), bytes / 1048576.0,
                    options.shape.c_str(), options.type.c_str());
    });
}

} // namespace hoard::cli
