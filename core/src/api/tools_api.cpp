// Developer utilities of the public API (hoard/tools.hpp).
#include "hoard/tools.hpp"

#include "hoard/error.hpp"
#include "quant/kernel_bench.hpp"
#include "synth/synthetic_model.hpp"
#include "template/chat_template.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

namespace hoard {

std::vector<std::string> synthetic_model_shapes() {
    std::vector<std::string> names;
    for (const synth::ModelShape& s : synth::model_shapes()) names.push_back(s.name);
    return names;
}

uint64_t write_synthetic_model(const SyntheticModelOptions& options,
                               const std::filesystem::path& path,
                               const std::function<void(uint64_t, uint64_t)>& progress) {
    synth::SynthOptions synth_options;
    synth_options.type = options.type;
    synth_options.seed = options.seed;
    synth_options.n_layer_override = options.n_layer;
    return synth::write_synthetic_model(synth::find_shape(options.shape), synth_options, path,
                                        progress);
}

std::string render_chat_template(const std::string& template_source,
                                 const std::string& context_json, bool add_generation_prompt,
                                 const std::string& bos_token, const std::string& eos_token) {
    nlohmann::ordered_json parsed;
    try {
        parsed = nlohmann::ordered_json::parse(context_json);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the messages are not valid JSON: ") + e.what());
    }
    nlohmann::ordered_json context = nlohmann::ordered_json::object();
    if (parsed.is_array()) {
        context["messages"] = parsed;
    } else if (parsed.is_object() && parsed.contains("messages")) {
        context = parsed;
    } else {
        throw Error("the messages must be a JSON array, or an object with a \"messages\" array");
    }
    context["add_generation_prompt"] = add_generation_prompt;
    context["bos_token"] = bos_token;
    context["eos_token"] = eos_token;
    return templ::Template::parse(template_source).render(context);
}

double measure_memory_bandwidth(size_t n_threads) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    return quant::measure_memory_bandwidth(static_cast<unsigned>(n_threads)).gb_per_s * 1e9;
}

} // namespace hoard
