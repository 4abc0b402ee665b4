#pragma once
// Pieces every `hoard` subcommand shares: loading a model with progress on
// stderr, reading files, printing token lists.
#include "hoard/engine.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hoard::cli {

struct Loaded {
    std::unique_ptr<Engine> engine;
    std::shared_ptr<Model> model;
};

// Loads `path`, showing progress on stderr when it is a terminal.
Loaded load(const std::string& path, size_t n_threads = 0);

std::string read_file(const std::string& path); // throws hoard::Error
std::string tokens_json(std::span<const int32_t> tokens);
std::vector<int32_t> parse_token_list(const std::string& text); // "1,2,3"

// Sampling flags shared by run and chat.
void add_sampling_options(CLI::App& app, SamplingParams& params);

void register_info(CLI::App& app);
void register_run(CLI::App& app);
void register_chat(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_logits(CLI::App& app);
void register_template(CLI::App& app);
void register_bench(CLI::App& app);
void register_synth(CLI::App& app);
void register_replay(CLI::App& app);
void register_sessions(CLI::App& app);
void register_plan(CLI::App& app);
void register_devices(CLI::App& app);

} // namespace hoard::cli
