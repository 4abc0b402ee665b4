#include "offload/offload_shape.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/kv_cache.hpp"
#include "model/model_config.hpp"
#include "model/model_summary.hpp"
#include "offload/routing_trace.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace hoard::offload {
namespace {

using quant::BlockFormat;

// Layer number of "blk.N.…", or nullopt.
std::optional<uint32_t> block_index(const std::string& name) {
    if (!name.starts_with("blk.")) return std::nullopt;
    uint32_t layer = 0;
    const char* begin = name.data() + 4;
    const char* end = name.data() + name.size();
    const auto [ptr, ec] = std::from_chars(begin, end, layer);
    if (ec != std::errc() || ptr == begin || ptr == end || *ptr != '.') return std::nullopt;
    return layer;
}

// "q4_K+q6_K": the formats in `bytes_by_format`, most bytes first.
std::string format_mix(const std::map<std::string, uint64_t>& bytes_by_format) {
    std::vector<std::pair<std::string, uint64_t>> v(bytes_by_format.begin(), bytes_by_format.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    for (const auto& [name, bytes] : v) out += (out.empty() ? "" : "+") + name;
    return out;
}

// One matrix of a preset: rows × row_length values in a format.
struct PresetMatrix {
    uint64_t rows, row_length;
    BlockFormat format;
    uint64_t bytes() const { return matrix_bytes(format, rows, row_length); }
};

struct PresetSpec {
    std::string name;
    uint32_t n_layer, n_embd, n_head, n_head_kv, head_dim, n_expert, n_expert_used, n_ff_expert,
        n_vocab;
    bool qk_norm;
};

// Q4_K_M keeps more bits where quantization hurts most: the feed-forward down
// projection of the first and last eighth of the layers and of every third
// layer in between gets 6 bits, the rest 4.5.
bool q4_k_m_more_bits(uint32_t layer, uint32_t n_layer) {
    const uint32_t eighth = n_layer / 8;
    return layer < eighth || layer >= n_layer - eighth || (layer - eighth) % 3 == 2;
}

OffloadShape shape_from_spec(const PresetSpec& p, std::optional<BlockFormat> low_format) {
    OffloadShape s;
    s.name = p.name;
    s.n_layer = p.n_layer;
    s.n_expert = p.n_expert;
    s.n_expert_used = p.n_expert_used;
    s.n_embd = p.n_embd;
    s.n_ff_expert = p.n_ff_expert;
    s.n_vocab = p.n_vocab;

    const uint64_t q_width = uint64_t(p.n_head) * p.head_dim;
    const uint64_t kv_width = uint64_t(p.n_head_kv) * p.head_dim;
    std::map<std::string, uint64_t> expert_formats;
    uint64_t expert_bits = 0, expert_weights = 0;
    for (uint32_t l = 0; l < p.n_layer; ++l) {
        const BlockFormat down =
            q4_k_m_more_bits(l, p.n_layer) ? BlockFormat::Q6_K : BlockFormat::Q4_K;
        const PresetMatrix experts[] = {{p.n_ff_expert, p.n_embd, BlockFormat::Q4_K},
                                        {p.n_ff_expert, p.n_embd, BlockFormat::Q4_K},
                                        {p.n_embd, p.n_ff_expert, down}};
        uint64_t bytes = 0;
        for (const PresetMatrix& m : experts) {
            bytes += m.bytes();
            expert_formats[std::string(quant::format_name(m.format))] += m.bytes();
            expert_bits += m.bytes() * 8;
            expert_weights += m.rows * m.row_length;
        }
        s.expert_bytes_high.push_back(bytes);

        const PresetMatrix shared[] = {
            {q_width, p.n_embd, BlockFormat::Q4_K},                     // attn_q
            {kv_width, p.n_embd, BlockFormat::Q8_0},                    // attn_k
            {kv_width, p.n_embd, BlockFormat::Q8_0},                    // attn_v
            {p.n_embd, q_width, BlockFormat::Q5_K},                     // attn_output
            {p.n_expert, p.n_embd, BlockFormat::F16},                   // router
            {1, p.n_embd * 2, BlockFormat::F32},                        // two norms
            {1, p.qk_norm ? p.head_dim * 2ull : 0ull, BlockFormat::F32} // Q/K norms
        };
        for (const PresetMatrix& m : shared) s.non_expert_bytes += m.bytes();
    }
    s.token_embedding_bytes = PresetMatrix{p.n_vocab, p.n_embd, BlockFormat::Q4_K}.bytes();
    s.non_expert_bytes += s.token_embedding_bytes;
    s.non_expert_bytes += PresetMatrix{p.n_vocab, p.n_embd, BlockFormat::Q6_K}.bytes(); // output
    s.non_expert_bytes += PresetMatrix{1, p.n_embd, BlockFormat::F32}.bytes();          // norm
    // Hoard's KV cache holds float32 keys and values.
    s.kv_bytes_per_token = uint64_t(p.n_layer) * 2 * kv_width * sizeof(float);

    s.high_format = format_mix(expert_formats);
    const BlockFormat low =
        low_format.value_or(default_low_format(double(expert_bits) / double(expert_weights)));
    s.low_format = quant::format_name(low);
    for (uint32_t l = 0; l < p.n_layer; ++l)
        s.expert_bytes_low.push_back(2 * matrix_bytes(low, p.n_ff_expert, p.n_embd) +
                                     matrix_bytes(low, p.n_embd, p.n_ff_expert));
    return s;
}

const std::vector<PresetSpec>& presets() {
    static const std::vector<PresetSpec> specs = {
        {"mixtral-8x7b", 32, 4096, 32, 8, 128, 8, 2, 14336, 32000, false},
        {"qwen3-30b-a3b", 48, 2048, 32, 4, 128, 128, 8, 768, 151936, true},
    };
    return specs;
}

} // namespace

uint64_t OffloadShape::max_expert_bytes(Precision p) const {
    const auto& v = p == Precision::High ? expert_bytes_high : expert_bytes_low;
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

uint64_t OffloadShape::total_expert_bytes(Precision p) const {
    uint64_t total = 0;
    for (uint32_t l = 0; l < n_layer; ++l) total += expert_bytes(l, p) * n_expert;
    return total;
}

uint64_t OffloadShape::non_expert_bytes_per_token() const {
    const uint64_t row = n_vocab ? token_embedding_bytes / n_vocab : 0;
    return non_expert_bytes - token_embedding_bytes + row;
}

BlockFormat default_low_format(double bits_per_weight) {
    if (bits_per_weight < 5.5) return BlockFormat::Q2_K; // 4- and 5-bit files
    if (bits_per_weight < 7.0) return BlockFormat::Q3_K; // 6-bit files
    return BlockFormat::Q4_K;                            // 8-bit and wider
}

uint64_t matrix_bytes(BlockFormat format, uint64_t rows, uint64_t row_length) {
    const quant::FormatInfo& info = quant::format_info(format);
    const uint64_t blocks = (row_length + info.block_elems - 1) / info.block_elems;
    return rows * blocks * info.block_bytes;
}

OffloadShape shape_from_gguf(const gguf::GgufFile& file, std::optional<BlockFormat> low_format) {
    const model::ModelConfig config = model::read_common_config(file);
    if (!config.is_moe())
        throw Error(file.label() +
                    ": the model has no routed experts; offloading applies to MoE models");
    model::validate_config(config, file.label());

    OffloadShape s;
    s.name = file.label();
    s.n_layer = uint32_t(config.n_layer);
    s.n_expert = uint32_t(config.n_expert);
    s.n_expert_used = uint32_t(config.n_expert_used);
    s.n_embd = uint32_t(config.n_embd);
    s.n_ff_expert = uint32_t(config.n_ff_expert);
    s.kv_bytes_per_token = model::KvCache::bytes_for(config, 1);

    std::vector<uint64_t> high(s.n_layer, 0), elements(s.n_layer, 0);
    std::vector<std::vector<std::pair<uint64_t, uint64_t>>> matrices(s.n_layer); // rows, length
    std::map<std::string, uint64_t> expert_formats;
    for (const gguf::TensorInfo& t : file.tensors()) {
        if (!model::is_routed_expert_tensor(t.name)) {
            s.non_expert_bytes += t.n_bytes;
            if (t.name == "token_embd.weight") {
                s.token_embedding_bytes = t.n_bytes;
                s.n_vocab = uint32_t(t.n_rows());
            }
            continue;
        }
        const std::optional<uint32_t> layer = block_index(t.name);
        if (!layer || *layer >= s.n_layer)
            throw Error(file.label() + ": expert tensor " + t.name + " is outside the " +
                        std::to_string(s.n_layer) + " layers");
        high[*layer] += t.n_bytes;
        elements[*layer] += t.n_elements;
        matrices[*layer].emplace_back(t.n_rows(), t.row_length());
        expert_formats[std::string(quant::format_name(t.format))] += t.n_bytes;
    }
    uint64_t all_bytes = 0, all_elements = 0;
    for (uint32_t l = 0; l < s.n_layer; ++l) {
        if (high[l] == 0)
            throw Error(file.label() + ": layer " + std::to_string(l) + " has no expert tensors");
        all_bytes += high[l];
        all_elements += elements[l];
    }
    const BlockFormat low = low_format.value_or(
        default_low_format(all_elements ? 8.0 * double(all_bytes) / double(all_elements) : 16.0));
    s.high_format = format_mix(expert_formats);
    s.low_format = quant::format_name(low);
    for (uint32_t l = 0; l < s.n_layer; ++l) {
        // Tensors hold all experts of a layer (or one each): divide the total.
        s.expert_bytes_high.push_back(high[l] / s.n_expert);
        uint64_t low_bytes = 0;
        for (const auto& [rows, length] : matrices[l]) low_bytes += matrix_bytes(low, rows, length);
        s.expert_bytes_low.push_back(low_bytes / s.n_expert);
    }
    return s;
}

OffloadShape shape_preset(const std::string& name, std::optional<BlockFormat> low_format) {
    for (const PresetSpec& p : presets())
        if (p.name == name) return shape_from_spec(p, low_format);
    std::string names;
    for (const std::string& n : shape_preset_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error("unknown model shape '" + name + "'; known shapes: " + names);
}

std::vector<std::string> shape_preset_names() {
    std::vector<std::string> names;
    for (const PresetSpec& p : presets()) names.push_back(p.name);
    return names;
}

nlohmann::json shape_to_json(const OffloadShape& s) {
    return {{"name", s.name},
            {"n_layer", s.n_layer},
            {"n_expert", s.n_expert},
            {"n_expert_used", s.n_expert_used},
            {"n_embd", s.n_embd},
            {"n_ff_expert", s.n_ff_expert},
            {"n_vocab", s.n_vocab},
            {"high_format", s.high_format},
            {"low_format", s.low_format},
            {"expert_bytes_high", s.expert_bytes_high},
            {"expert_bytes_low", s.expert_bytes_low},
            {"non_expert_bytes", s.non_expert_bytes},
            {"token_embedding_bytes", s.token_embedding_bytes},
            {"kv_bytes_per_token", s.kv_bytes_per_token}};
}

OffloadShape shape_from_json(const nlohmann::json& j, const std::string& label) {
    auto bad = [&](const std::string& what) -> Error {
        return Error(label + ": model shape: " + what);
    };
    if (!j.is_object()) throw bad("expected an object");
    auto count = [&](const char* key, uint64_t max) -> uint64_t {
        const auto it = j.find(key);
        if (it == j.end() || !it->is_number_unsigned() || it->get<uint64_t>() > max)
            throw bad(std::string("'") + key + "' must be a whole number up to " +
                      std::to_string(max));
        return it->get<uint64_t>();
    };
    auto text = [&](const char* key) -> std::string {
        const auto it = j.find(key);
        if (it == j.end()) return "";
        if (!it->is_string()) throw bad(std::string("'") + key + "' must be a string");
        return it->get<std::string>();
    };
    OffloadShape s;
    s.name = text("name");
    s.n_layer = uint32_t(count("n_layer", kMaxTraceLayers));
    s.n_expert = uint32_t(count("n_expert", kMaxTraceExperts));
    s.n_expert_used = uint32_t(count("n_expert_used", s.n_expert));
    s.n_embd = uint32_t(count("n_embd", UINT32_MAX));
    s.n_ff_expert = uint32_t(count("n_ff_expert", UINT32_MAX));
    s.n_vocab = uint32_t(count("n_vocab", UINT32_MAX));
    s.high_format = text("high_format");
    s.low_format = text("low_format");
    s.non_expert_bytes = count("non_expert_bytes", UINT64_MAX);
    s.token_embedding_bytes = count("token_embedding_bytes", s.non_expert_bytes);
    s.kv_bytes_per_token = count("kv_bytes_per_token", UINT64_MAX);
    if (s.n_layer == 0 || s.n_expert == 0 || s.n_expert_used == 0)
        throw bad("n_layer, n_expert and n_expert_used must not be 0");
    for (const char* key : {"expert_bytes_high", "expert_bytes_low"}) {
        const auto it = j.find(key);
        if (it == j.end() || !it->is_array() || it->size() != s.n_layer)
            throw bad(std::string("'") + key + "' must list one size per layer");
        auto& out =
            std::string_view(key) == "expert_bytes_high" ? s.expert_bytes_high : s.expert_bytes_low;
        for (const auto& v : *it) {
            if (!v.is_number_unsigned() || v.get<uint64_t>() == 0)
                throw bad(std::string("'") + key + "' must hold positive whole numbers");
            out.push_back(v.get<uint64_t>());
        }
    }
    return s;
}

} // namespace hoard::offload
