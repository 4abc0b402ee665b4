#include "synth/synthetic_model.hpp"

#include "hoard/error.hpp"
#include "quant/kernels.hpp"
#include "synth/default_corpus.hpp"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

namespace hoard::synth {
namespace {

using quant::BlockFormat;

struct TypeRecipe {
    std::string name;
    uint32_t file_type; // general.file_type as llama.cpp numbers it
    BlockFormat base;
};

const TypeRecipe& find_recipe(const std::string& type) {
    static const std::vector<TypeRecipe> recipes = {
        {"f16", 1, BlockFormat::F16},
        {"q8_0", 7, BlockFormat::Q8_0},
        {"q4_k", 15, BlockFormat::Q4_K},
        {"q4_k_m", 15, BlockFormat::Q4_K},
    };
    for (const TypeRecipe& r : recipes)
        if (r.name == type) return r;
    throw Error("unknown model type '" + type + "' (choices: f16, q8_0, q4_k, q4_k_m)");
}

// Q4_K_M gives some layers' attn_v and ffn_down more bits, as the usual recipe does.
bool more_bits_layer(uint32_t layer, uint32_t n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// Rows that are not whole super-blocks take the usual fallback format.
BlockFormat fitting_format(BlockFormat format, uint64_t row_length) {
    if (row_length % quant::format_info(format).block_elems == 0) return format;
    switch (format) {
    case BlockFormat::Q2_K:
    case BlockFormat::Q3_K:
        return BlockFormat::Q4_0;
    case BlockFormat::Q4_K:
        return BlockFormat::Q5_0;
    case BlockFormat::Q5_K:
        return BlockFormat::Q5_1;
    default:
        return BlockFormat::Q8_0;
    }
}

class Rng {
  public:
    explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() { // splitmix64
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    float uniform() { return static_cast<float>((next() >> 40) * (1.0 / (1ull << 24))); }
    float normal() { // Box-Muller
        const float u1 = std::max(uniform(), 1e-7f), u2 = uniform();
        return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
    }

  private:
    uint64_t state_;
};

// Blocks of one format encoding random N(0, 0.02) values; tensors are filled by
// copying random blocks from the pool, which is fast enough for 25 GB files.
class BlockPool {
  public:
    BlockPool(BlockFormat format, uint64_t seed) : format_(format) {
        const auto& info = quant::format_info(format);
        chunk_elems_ = std::max<size_t>(info.block_elems, 256);
        chunk_bytes_ = quant::row_bytes(format, chunk_elems_);
        Rng rng(seed);
        std::vector<float> values(kChunks * chunk_elems_);
        for (float& v : values) v = 0.02f * rng.normal();
        bytes_.resize(kChunks * chunk_bytes_);
        quant::quantize_row(format, values.data(), bytes_.data(), values.size());
    }
    void fill(std::span<uint8_t> dst, uint64_t seed) const {
        Rng rng(seed);
        size_t at = 0;
        while (at < dst.size()) {
            const size_t n = std::min(chunk_bytes_, dst.size() - at);
            std::memcpy(dst.data() + at, bytes_.data() + (rng.next() % kChunks) * chunk_bytes_, n);
            at += n;
        }
    }
    size_t chunk_elems() const { return chunk_elems_; }

  private:
    static constexpr size_t kChunks = 4096;
    BlockFormat format_;
    size_t chunk_elems_ = 0, chunk_bytes_ = 0;
    std::vector<uint8_t> bytes_;
};

class ModelWriter {
  public:
    ModelWriter(const ModelShape& shape, const SynthOptions& options)
        : shape_(shape), options_(options), recipe_(find_recipe(options.type)) {}

    gguf::GgufWriter& build() {
        const uint32_t n_layer =
            options_.n_layer_override ? options_.n_layer_override : shape_.n_layer;
        write_metadata(n_layer);
        const uint64_t n_vocab = write_vocab(writer_, shape_.vocab, default_corpus());
        const uint64_t d = shape_.n_embd, q = uint64_t(shape_.n_head) * shape_.head_dim,
                       kv = uint64_t(shape_.n_head_kv) * shape_.head_dim;
        matrix("token_embd.weight", {d, n_vocab}, recipe_.base);
        for (uint32_t l = 0; l < n_layer; ++l) {
            const std::string p = "blk." + std::to_string(l) + ".";
            const bool more = recipe_.name == "q4_k_m" && more_bits_layer(l, n_layer);
            const BlockFormat wide = more ? BlockFormat::Q6_K : recipe_.base;
            norm(p + "attn_norm.weight", d);
            matrix(p + "attn_q.weight", {d, q}, recipe_.base);
            matrix(p + "attn_k.weight", {d, kv}, recipe_.base);
            matrix(p + "attn_v.weight", {d, kv}, wide);
            matrix(p + "attn_output.weight", {q, d}, recipe_.base);
            if (shape_.architecture == "qwen3moe") {
                norm(p + "attn_q_norm.weight", shape_.head_dim);
                norm(p + "attn_k_norm.weight", shape_.head_dim);
            }
            norm(p + "ffn_norm.weight", d);
            matrix(p + "ffn_gate_inp.weight", {d, shape_.n_expert}, BlockFormat::F32, 0.2f);
            const uint64_t ff = shape_.n_ff_expert, e = shape_.n_expert;
            matrix(p + "ffn_gate_exps.weight", {d, ff, e}, recipe_.base);
            matrix(p + "ffn_up_exps.weight", {d, ff, e}, recipe_.base);
            matrix(p + "ffn_down_exps.weight", {ff, d, e}, wide);
        }
        norm("output_norm.weight", d);
        const BlockFormat head =
            recipe_.base == BlockFormat::Q4_K ? BlockFormat::Q6_K : recipe_.base;
        matrix("output.weight", {d, n_vocab}, head);
        return writer_;
    }

  private:
    void write_metadata(uint32_t n_layer) {
        const std::string a = shape_.architecture;
        writer_.set_string("general.architecture", a);
        writer_.set_string("general.name", shape_.display_name);
        writer_.set_u32("general.file_type", recipe_.file_type);
        writer_.set_u32("general.quantization_version", 2);
        writer_.set_u32(a + ".context_length", shape_.n_ctx);
        writer_.set_u32(a + ".embedding_length", shape_.n_embd);
        writer_.set_u32(a + ".block_count", n_layer);
        writer_.set_u32(a + ".feed_forward_length", shape_.n_ff);
        writer_.set_u32(a + ".attention.head_count", shape_.n_head);
        writer_.set_u32(a + ".attention.head_count_kv", shape_.n_head_kv);
        writer_.set_f32(a + ".rope.freq_base", shape_.rope_base);
        writer_.set_f32(a + ".attention.layer_norm_rms_epsilon", shape_.rms_eps);
        writer_.set_u32(a + ".expert_count", shape_.n_expert);
        writer_.set_u32(a + ".expert_used_count", shape_.n_expert_used);
        if (a == "llama") {
            writer_.set_u32(a + ".rope.dimension_count", shape_.head_dim);
        } else {
            writer_.set_u32(a + ".attention.key_length", shape_.head_dim);
            writer_.set_u32(a + ".attention.value_length", shape_.head_dim);
            writer_.set_u32(a + ".expert_feed_forward_length", shape_.n_ff_expert);
        }
    }

    void norm(const std::string& name, uint64_t n) {
        Rng rng(seed_for(name));
        std::vector<float> v(n);
        for (float& x : v) x = 1.0f + 0.05f * rng.normal();
        std::vector<uint8_t> bytes(n * sizeof(float));
        std::memcpy(bytes.data(), v.data(), bytes.size());
        writer_.add_tensor(name, {n}, BlockFormat::F32, std::move(bytes));
    }

    // Small matrices (the router) get exact random values at the given scale;
    // the rest come from the format's block pool.
    void matrix(const std::string& name, std::vector<uint64_t> shape, BlockFormat format,
                float scale = 0.02f) {
        const uint64_t seed = seed_for(name);
        format = fitting_format(format, shape[0]);
        if (format == BlockFormat::F32) {
            uint64_t n = 1;
            for (uint64_t s : shape) n *= s;
            Rng rng(seed);
            std::vector<float> v(n);
            for (float& x : v) x = scale * rng.normal();
            std::vector<uint8_t> bytes(n * sizeof(float));
            std::memcpy(bytes.data(), v.data(), bytes.size());
            writer_.add_tensor(name, std::move(shape), format, std::move(bytes));
            return;
        }
        const BlockPool& p = pool(format);
        writer_.add_tensor(name, std::move(shape), format,
                           [&p, seed](std::span<uint8_t> dst) { p.fill(dst, seed); });
    }

    const BlockPool& pool(BlockFormat format) {
        auto& slot = pools_[format];
        if (!slot)
            slot = std::make_unique<BlockPool>(format, options_.seed * 31 + uint64_t(format));
        return *slot;
    }

    uint64_t seed_for(const std::string& name) const {
        uint64_t h = 1469598103934665603ull ^ options_.seed; // FNV-1a
        for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
        return h;
    }

    const ModelShape& shape_;
    const SynthOptions& options_;
    const TypeRecipe& recipe_;
    gguf::GgufWriter writer_;
    std::map<BlockFormat, std::unique_ptr<BlockPool>> pools_;
};

} // namespace

uint64_t write_synthetic_model(const ModelShape& shape, const SynthOptions& options,
                               const std::filesystem::path& path,
                               const gguf::GgufWriter::Progress& progress) {
    ModelWriter model(shape, options);
    gguf::GgufWriter& writer = model.build();
    writer.write(path, progress);
    return writer.total_bytes();
}

} // namespace hoard::synth
