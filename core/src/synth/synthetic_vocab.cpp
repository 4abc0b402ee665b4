#include "synth/synthetic_vocab.hpp"

#include "hoard/error.hpp"
#include "synth/bpe_trainer.hpp"
#include "tokenizer/byte_level.hpp"

#include <cstdio>
#include <unordered_set>

namespace hoard::synth {
namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6;

struct VocabBuilder {
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    std::unordered_set<std::string> seen;

    int32_t add(const std::string& text, float score, int32_t type) {
        if (!seen.insert(text).second) return -1;
        tokens.push_back(text);
        scores.push_back(score);
        types.push_back(type);
        return static_cast<int32_t>(tokens.size() - 1);
    }
    // Filler tokens so the vocabulary has the shape's size (they never match text
    // the learned pieces cannot already cover better).
    void pad_to(size_t n, const std::string& prefix) {
        for (size_t i = 0; tokens.size() < n; ++i)
            add(prefix + "tok" + std::to_string(i), -1e6f - static_cast<float>(i), kNormal);
    }
};

std::string byte_level(const std::string& utf8) {
    std::string out;
    tokenizer::byte_level::append_encoded(out, utf8);
    return out;
}

std::string spm_piece(std::string s) {
    std::string out;
    for (char c : s) out += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
    return out;
}

size_t write_byte_level(gguf::GgufWriter& w, const VocabSpec& spec, const LearnedMerges& learned) {
    VocabBuilder v;
    for (int b = 0; b < 256; ++b)
        v.add(std::string(tokenizer::byte_level::encoded_byte(static_cast<uint8_t>(b))), 0,
              kNormal);
    std::vector<std::string> merges;
    for (const auto& [a, b] : learned.merges) {
        const std::string left = byte_level(a), right = byte_level(b);
        v.add(left + right, 0, kNormal); // may exist already: the merge is still valid
        merges.push_back(left + " " + right);
    }
    const size_t n_specials = 3;
    if (spec.n_vocab > n_specials) v.pad_to(spec.n_vocab - n_specials, "\xC4\xA0"); // Ġ
    const int32_t end_of_text = v.add("<|endoftext|>", 0, kControl);
    v.add("<|im_start|>", 0, kControl);
    const int32_t im_end = v.add("<|im_end|>", 0, kControl);

    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", spec.pre_tokenizer);
    w.set_strings("tokenizer.ggml.tokens", v.tokens);
    w.set_i32s("tokenizer.ggml.token_type", v.types);
    w.set_strings("tokenizer.ggml.merges", merges);
    w.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(end_of_text));
    w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(im_end));
    w.set_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(end_of_text));
    w.set_bool("tokenizer.ggml.add_bos_token", false);
    return v.tokens.size();
}

size_t write_sentencepiece(gguf::GgufWriter& w, const VocabSpec& spec,
                           const LearnedMerges& learned) {
    VocabBuilder v;
    v.add("<unk>", 0, kUnknown);
    v.add("<s>", 0, kControl);
    v.add("</s>", 0, kControl);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        v.add(name, 0, kByte);
    }
    // Single characters first, then merged pieces; earlier merges score higher.
    float score = -1.0f;
    for (const auto& [a, b] : learned.merges)
        for (const std::string& piece : {a, b})
            if (piece.size() <= 4) v.add(spm_piece(piece), -1e5f, kNormal);
    for (const auto& [a, b] : learned.merges) v.add(spm_piece(a + b), score--, kNormal);
    v.pad_to(spec.n_vocab, "\xE2\x96\x81");

    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string("tokenizer.ggml.pre", "default");
    w.set_strings("tokenizer.ggml.tokens", v.tokens);
    w.set_floats("tokenizer.ggml.scores", v.scores);
    w.set_i32s("tokenizer.ggml.token_type", v.types);
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
    w.set_u32("tokenizer.ggml.unknown_token_id", 0);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    w.set_bool("tokenizer.ggml.add_eos_token", false);
    return v.tokens.size();
}

} // namespace

const std::string& chatml_template() {
    static const std::string text =
        "{%- for message in messages %}"
        "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
        "{%- endfor %}"
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
    return text;
}

size_t write_vocab(gguf::GgufWriter& writer, const VocabSpec& spec, std::string_view corpus) {
    const LearnedMerges learned = learn_merges(corpus, spec.max_merges);
    const size_t n = spec.style == VocabStyle::ByteLevelBpe
                         ? write_byte_level(writer, spec, learned)
                         : write_sentencepiece(writer, spec, learned);
    if (spec.n_vocab != 0 && n != spec.n_vocab)
        throw Error("the learned vocabulary has " + std::to_string(n) +
                    " tokens, more than the requested " + std::to_string(spec.n_vocab));
    if (!spec.chat_template.empty())
        writer.set_string("tokenizer.chat_template", spec.chat_template);
    return n;
}

} // namespace hoard::synth
