#include "synth/model_shape.hpp"

#include "hoard/error.hpp"

namespace hoard::synth {

const std::vector<ModelShape>& model_shapes() {
    static const std::vector<ModelShape> shapes = [] {
        std::vector<ModelShape> s;
        ModelShape tiny;
        tiny.name = "hoard-tiny-moe";
        tiny.display_name = "Hoard Tiny MoE (random weights)";
        tiny.architecture = "qwen3moe";
        tiny.n_layer = 6;
        tiny.n_embd = 512;
        tiny.n_head = 8;
        tiny.n_head_kv = 2;
        tiny.head_dim = 64;
        tiny.n_ff = 1024;
        tiny.n_expert = 16;
        tiny.n_expert_used = 4;
        tiny.n_ff_expert = 512;
        tiny.n_ctx = 4096;
        tiny.rms_eps = 1e-6f;
        tiny.vocab = {VocabStyle::ByteLevelBpe, 0, 1500, "gpt-2", chatml_template()};
        s.push_back(tiny);

        ModelShape mixtral;
        mixtral.name = "mixtral-8x7b";
        mixtral.display_name = "Mixtral 8x7B shape (random weights)";
        mixtral.architecture = "llama";
        mixtral.n_layer = 32;
        mixtral.n_embd = 4096;
        mixtral.n_head = 32;
        mixtral.n_head_kv = 8;
        mixtral.head_dim = 128;
        mixtral.n_ff = 14336;
        mixtral.n_expert = 8;
        mixtral.n_expert_used = 2;
        mixtral.n_ff_expert = 14336;
        mixtral.n_ctx = 32768;
        mixtral.rms_eps = 1e-5f;
        mixtral.vocab = {VocabStyle::SentencePiece, 32000, 4000, "default", ""};
        s.push_back(mixtral);

        ModelShape qwen;
        qwen.name = "qwen3-30b-a3b";
        qwen.display_name = "Qwen3 30B-A3B shape (random weights)";
        qwen.architecture = "qwen3moe";
        qwen.n_layer = 48;
        qwen.n_embd = 2048;
        qwen.n_head = 32;
        qwen.n_head_kv = 4;
        qwen.head_dim = 128;
        qwen.n_ff = 6144;
        qwen.n_expert = 128;
        qwen.n_expert_used = 8;
        qwen.n_ff_expert = 768;
        qwen.n_ctx = 40960;
        qwen.rms_eps = 1e-6f;
        qwen.vocab = {VocabStyle::ByteLevelBpe, 151936, 4000, "qwen2", chatml_template()};
        s.push_back(qwen);
        return s;
    }();
    return shapes;
}

const ModelShape& find_shape(const std::string& name) {
    std::string choices;
    for (const ModelShape& s : model_shapes()) {
        if (s.name == name) return s;
        choices += (choices.empty() ? "" : ", ") + s.name;
    }
    throw Error("unknown model shape '" + name + "' (choices: " + choices + ")");
}

} // namespace hoard::synth
