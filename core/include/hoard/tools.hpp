#pragma once
// Utilities behind the developer commands: synthetic models, chat-template
// rendering without a model, and the machine's memory bandwidth.
#include "hoard/engine.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hoard {

// Shapes `write_synthetic_model` knows ("hoard-tiny-moe", "mixtral-8x7b", ...).
std::vector<std::string> synthetic_model_shapes();

struct SyntheticModelOptions {
    std::string shape = "hoard-tiny-moe";
    std::string type = "q8_0"; // f16, q8_0, q4_k, q4_k_m
    uint64_t seed = 1;
    uint32_t n_layer = 0; // 0: the shape's own
};

// Writes a GGUF model with random weights; returns its size in bytes.
uint64_t
write_synthetic_model(const SyntheticModelOptions& options, const std::filesystem::path& path,
                      const std::function<void(uint64_t done, uint64_t total)>& progress = {});

// Renders a chat template (Jinja) the way Hugging Face does. `context_json` is
// either a JSON array of messages or an object holding "messages" and any other
// variables the template reads (tools, ...).
std::string render_chat_template(const std::string& template_source,
                                 const std::string& context_json, bool add_generation_prompt,
                                 const std::string& bos_token, const std::string& eos_token);

// Streaming read bandwidth of main memory in bytes per second, with n_threads
// threads (0: all cores); the bound that decode speed is compared against.
double measure_memory_bandwidth(size_t n_threads = 0);

} // namespace hoard
