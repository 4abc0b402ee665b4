#include "cli_common.hpp"

#include "hoard/error.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hoard::cli {

Loaded load(const std::string& path, size_t n_threads) {
    Loaded loaded;
    loaded.engine = std::make_unique<Engine>(Engine::Options{n_threads});
    const bool show = isatty(STDERR_FILENO);
    loaded.model = loaded.engine->load_model(path, [show](double fraction, std::string_view stage) {
        if (show)
            std::fprintf(stderr, "\rloading: %3.0f%% %-40.*s", fraction * 100,
                         static_cast<int>(stage.size()), stage.data());
    });
    if (show) std::fprintf(stderr, "\r%60s\r", "");
    return loaded;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(path + ": read failed");
    return text.str();
}

std::string tokens_json(std::span<const int32_t> tokens) {
    std::string out = "[";
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(tokens[i]);
    }
    return out + "]";
}

std::vector<int32_t> parse_token_list(const std::string& text) {
    std::vector<int32_t> tokens;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            size_t used = 0;
            const long v = std::stol(item, &used);
            if (used != item.size() || v < 0 || v > INT32_MAX) throw std::invalid_argument(item);
            tokens.push_back(static_cast<int32_t>(v));
        } catch (const std::exception&) {
            throw Error("'" + item + "' is not a token id (expected a list like 1,2,3)");
        }
    }
    if (tokens.empty()) throw Error("no token ids given");
    return tokens;
}

void add_sampling_options(CLI::App& app, SamplingParams& p) {
    app.add_option("--temp", p.temperature, "Sampling temperature (0: greedy)")
        ->capture_default_str();
    app.add_option("--top-k", p.top_k, "Keep the k most likely tokens (0: off)")
        ->capture_default_str();
    app.add_option("--top-p", p.top_p, "Nucleus sampling mass (1: off)")->capture_default_str();
    app.add_option("--min-p", p.min_p, "Drop tokens below min-p x the best (0: off)")
        ->capture_default_str();
    app.add_option("--repeat-penalty", p.repeat_penalty, "Penalty for repeated tokens (1: off)")
        ->capture_default_str();
    app.add_option("--repeat-last-n", p.repeat_last_n, "Recent tokens the penalty looks at")
        ->capture_default_str();
    app.add_option("--seed", p.seed, "Random seed")->capture_default_str();
}

} // namespace hoard::cli
