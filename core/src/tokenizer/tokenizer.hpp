#pragma once
// Text <-> token ids for a model, built from the vocabulary in its GGUF file:
// SentencePiece-style vocabularies (tokenizer.ggml.model "llama") and byte-level
// BPE ones ("gpt2") with the pre-tokenizer tokenizer.ggml.pre names.
#include "tokenizer/vocabulary.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::tokenizer {

class SpmEncoder;
class BpeEncoder;
class PreTokenizer;
class SpecialTokenMatcher;

struct DecodeOptions {
    // Control and unknown tokens appear as their text (e.g. "<|im_end|>")
    // instead of as nothing.
    bool render_special = false;
    // SentencePiece vocabularies that prefix a space when encoding: drop the
    // space that encode puts before text at the start and after each special
    // token, so that decode(encode(s)) == s. Leave it off when decoding a
    // continuation (generated text after a prompt).
    bool strip_space_prefix = true;
};

class Tokenizer {
  public:
    // Throws hoard::Error naming the file and the problem for missing,
    // malformed or unsupported vocabulary metadata.
    static std::unique_ptr<Tokenizer> from_gguf(const gguf::GgufFile& file);
    // The same from metadata gathered elsewhere; `label` names it in errors.
    static std::unique_ptr<Tokenizer> from_metadata(VocabularyMetadata metadata,
                                                    const std::string& label);
    ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // add_special: BOS/EOS as the vocabulary's metadata asks for.
    // parse_special: texts of control, user-defined and unknown-type tokens in
    // `text` become those tokens; otherwise they are tokenized as plain text.
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

    // The bytes one token stands for (not necessarily valid UTF-8 on its own).
    // Throws hoard::Error for an id outside the vocabulary.
    std::string token_to_piece(int32_t id, bool render_special = false) const;

    // The bytes of a token sequence (invalid UTF-8 is passed through; see
    // StreamDecoder or utf8::to_valid for display text).
    std::string decode(std::span<const int32_t> ids, DecodeOptions options = {}) const;

    int32_t bos_id() const;
    int32_t eos_id() const;
    int32_t eot_id() const;
    int32_t unk_id() const;
    int32_t pad_id() const;
    bool adds_bos() const;
    bool adds_eos() const;
    bool adds_space_prefix() const;

    // eos, eot, eom, and end-of-turn control tokens such as <|im_end|>,
    // <|endoftext|>, <|eot_id|>, <|end|>.
    bool is_end_of_generation(int32_t id) const;
    const std::vector<int32_t>& end_of_generation_ids() const;

    // The vocabulary string of a token (e.g. "<s>", "▁Hello", "Ġworld").
    // Throws hoard::Error for an id outside the vocabulary.
    const std::string& token_text(int32_t id) const;
    TokenType token_type(int32_t id) const;
    // Whether the token's text is matched as one token when parse_special is on
    // (control, user-defined and unknown-type tokens, and bos/eos/eot/eom).
    bool is_special(int32_t id) const;
    // The id whose vocabulary string is exactly `text`, or -1.
    int32_t find_token(std::string_view text) const;

    size_t n_vocab() const;
    VocabularyKind kind() const;
    const std::string& pre_tokenizer_name() const; // the tokenizer.ggml.pre in effect
    const Vocabulary& vocabulary() const { return *vocab_; }

  private:
    Tokenizer() = default;
    void check_id(int32_t id) const;
    void encode_plain(std::string_view text, bool after_start_or_special,
                      std::vector<int32_t>& out) const;

    std::unique_ptr<Vocabulary> vocab_;
    std::unique_ptr<SpmEncoder> spm_;
    std::unique_ptr<BpeEncoder> bpe_;
    std::unique_ptr<PreTokenizer> pre_;
    std::unique_ptr<SpecialTokenMatcher> specials_;
    std::string label_;
};

} // namespace hoard::tokenizer
