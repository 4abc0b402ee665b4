#include "model/model_summary.hpp"

#include "gguf/gguf_file.hpp"
#include "model/kv_cache.hpp"
#include "model/model.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace hoard::model {
namespace {

bool is_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::string human_count(uint64_t n) {
    char buf[32];
    if (n >= 1000000000ull)
        std::snprintf(buf, sizeof buf, "%.2fB", double(n) / 1e9);
    else if (n >= 1000000ull)
        std::snprintf(buf, sizeof buf, "%.2fM", double(n) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
    return buf;
}

} // namespace

bool is_routed_expert_tensor(std::string_view name) {
    if (!name.starts_with("blk.")) return false;
    const size_t dot = name.find('.', 4);
    if (dot == std::string_view::npos || !is_digits(name.substr(4, dot - 4))) return false;
    const std::string_view rest = name.substr(dot + 1); // after "blk.N."
    for (std::string_view kind : {"ffn_gate", "ffn_up", "ffn_down"}) {
        if (!rest.starts_with(kind)) continue;
        const std::string_view tail = rest.substr(kind.size());
        if (tail.starts_with("_exps.")) return true;
        if (tail.starts_with(".")) { // "ffn_up.E.weight"
            const size_t end = tail.find('.', 1);
            if (end != std::string_view::npos && is_digits(tail.substr(1, end - 1))) return true;
        }
    }
    return false;
}

ModelSummary summarize(const Model& model, size_t n_ctx) {
    const ModelConfig& c = model.config();
    ModelSummary s;
    s.architecture = c.architecture;
    s.name = c.name;
    s.n_layer = c.n_layer;
    s.n_embd = c.n_embd;
    s.n_head = c.n_head;
    s.n_head_kv = c.n_head_kv;
    s.head_dim = c.head_dim;
    s.n_ff = c.n_ff;
    s.n_expert = c.n_expert;
    s.n_expert_used = c.n_expert_used;
    s.n_ff_expert = c.n_ff_expert;
    s.n_vocab = c.n_vocab;
    s.n_ctx_train = c.n_ctx_train;

    std::map<std::string, FormatUsage> formats;
    for (const gguf::TensorInfo& t : model.file().tensors()) {
        const bool expert = is_routed_expert_tensor(t.name);
        s.parameters_total += t.n_elements;
        (expert ? s.bytes_expert : s.bytes_non_expert) += t.n_bytes;
        if (t.name == "token_embd.weight") s.bytes_token_embedding = t.n_bytes;
        if (expert) s.parameters_expert += t.n_elements;
        FormatUsage& f = formats[std::string(quant::format_name(t.format))];
        f.format = quant::format_name(t.format);
        ++f.tensors;
        f.parameters += t.n_elements;
        f.bytes += t.n_bytes;
    }
    s.parameters_active = s.parameters_total - s.parameters_expert;
    if (c.n_expert > 0) s.parameters_active += s.parameters_expert * c.n_expert_used / c.n_expert;
    for (auto& [name, usage] : formats) s.formats.push_back(usage);
    std::sort(s.formats.begin(), s.formats.end(),
              [](const FormatUsage& a, const FormatUsage& b) { return a.bytes > b.bytes; });

    s.n_ctx = n_ctx;
    s.kv_cache_bytes = KvCache::bytes_for(c, n_ctx);
    s.kv_bytes_per_token_per_layer = KvCache::bytes_for(c, 1) / std::max<size_t>(c.n_layer, 1);
    s.file_bytes = model.file().file_size();
    s.memory_bytes = s.bytes_non_expert + s.bytes_expert + s.kv_cache_bytes;
    return s;
}

} // namespace hoard::model

namespace hoard {

std::string describe(const ModelSummary& s) {
    using model::human_count;
    std::string out;
    auto line = [&out](const std::string& label, const std::string& value) {
        out += label;
        out.append(label.size() < 22 ? 22 - label.size() : 1, ' ');
        out += value + "\n";
    };
    line("architecture", s.architecture + (s.name.empty() ? "" : " (" + s.name + ")"));
    line("layers", std::to_string(s.n_layer));
    line("embedding", std::to_string(s.n_embd));
    line("attention heads", std::to_string(s.n_head) + " (KV " + std::to_string(s.n_head_kv) +
                                ", width " + std::to_string(s.head_dim) + ")");
    if (s.n_expert > 0)
        line("experts", std::to_string(s.n_expert) + ", " + std::to_string(s.n_expert_used) +
                            " per token, feed-forward " + std::to_string(s.n_ff_expert));
    else
        line("feed-forward", std::to_string(s.n_ff));
    line("vocabulary", std::to_string(s.n_vocab));
    line("trained context", std::to_string(s.n_ctx_train));
    line("parameters", human_count(s.parameters_total) + " (" + human_count(s.parameters_active) +
                           " active per token)");
    line("shared weights", format_bytes(s.bytes_non_expert));
    line("expert weights", format_bytes(s.bytes_expert));
    for (const FormatUsage& f : s.formats)
        line("  " + f.format, std::to_string(f.tensors) + " tensors, " + format_bytes(f.bytes));
    line("KV cache", format_bytes(s.kv_cache_bytes) + " at " + std::to_string(s.n_ctx) + " tokens");
    line("file size", format_bytes(s.file_bytes));
    line("memory needed", format_bytes(s.memory_bytes));
    return out;
}

std::string format_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(units)) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

} // namespace hoard
