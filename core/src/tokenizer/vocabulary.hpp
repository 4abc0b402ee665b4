#pragma once
// A tokenizer vocabulary as GGUF metadata describes it (the tokenizer.ggml.* keys):
// token strings, scores, types, merges, the special token ids and the flags that
// say how text is prepared. Loading validates everything it keeps.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hoard::gguf {
class GgufFile;
}

namespace hoard::tokenizer {

// tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

enum class VocabularyKind {
    SentencePiece, // tokenizer.ggml.model "llama": score-based merges, ▁ for spaces, <0xXX> bytes
    ByteLevelBpe,  // tokenizer.ggml.model "gpt2": byte alphabet, ranked merges, regex pre-split
};

// The raw tokenizer.ggml.* metadata, before validation.
struct VocabularyMetadata {
    std::string model;                // tokenizer.ggml.model
    std::string pre;                  // tokenizer.ggml.pre ("" when absent)
    std::vector<std::string> tokens;  // tokenizer.ggml.tokens
    std::vector<float> scores;        // tokenizer.ggml.scores (empty when absent)
    std::vector<int64_t> token_types; // tokenizer.ggml.token_type (empty when absent)
    std::vector<std::string> merges;  // tokenizer.ggml.merges (empty when absent)
    int64_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1; // -1: absent
    std::optional<bool> add_bos, add_eos, add_space_prefix;

    // Reads the keys; throws hoard::Error when one has the wrong type.
    static VocabularyMetadata read(const gguf::GgufFile& file);
};

class Vocabulary {
  public:
    // Validates `metadata`; throws hoard::Error naming `label` and the problem.
    Vocabulary(VocabularyMetadata metadata, const std::string& label);

    Vocabulary(const Vocabulary&) = delete;
    Vocabulary& operator=(const Vocabulary&) = delete;

    VocabularyKind kind() const { return kind_; }
    const std::string& pre_tokenizer() const { return pre_; }
    size_t size() const { return tokens_.size(); }
    bool contains(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); }

    const std::string& text(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
    float score(int32_t id) const {
        return scores_.empty() ? 0.0f : scores_[static_cast<size_t>(id)];
    }
    TokenType type(int32_t id) const { return types_[static_cast<size_t>(id)]; }

    // The id of the token whose string is exactly `text`, or -1.
    int32_t find(std::string_view text) const;

    // SentencePiece byte-fallback token for a byte (<0xXX>), or -1.
    int32_t byte_token(uint8_t byte) const { return byte_tokens_[byte]; }
    // The byte a <0xXX> token stands for, or -1.
    int byte_of_token(int32_t id) const;

    int32_t bos_id() const { return bos_; }
    int32_t eos_id() const { return eos_; }
    int32_t unk_id() const { return unk_; }
    int32_t pad_id() const { return pad_; }
    int32_t eot_id() const { return eot_; }
    int32_t eom_id() const { return eom_; }
    bool add_bos() const { return add_bos_; }
    bool add_eos() const { return add_eos_; }
    bool add_space_prefix() const { return add_space_prefix_; }

    // Merges in rank order ("left right"), byte-level BPE only.
    const std::vector<std::string>& merges() const { return merges_; }

    // Ids whose text is matched as one token when special-token parsing is on.
    const std::vector<int32_t>& special_ids() const { return special_ids_; }
    bool is_special(int32_t id) const {
        return contains(id) && special_flags_[static_cast<size_t>(id)];
    }
    // End-of-generation ids: eos, eot, eom and end-of-turn control tokens.
    const std::vector<int32_t>& end_of_generation_ids() const { return eog_ids_; }

  private:
    void index_tokens();
    void find_byte_tokens();
    void collect_special_ids();

    VocabularyKind kind_ = VocabularyKind::SentencePiece;
    std::string pre_;
    std::vector<std::string> tokens_;
    std::vector<float> scores_;
    std::vector<TokenType> types_;
    std::vector<std::string> merges_;
    std::unordered_map<std::string_view, int32_t> ids_; // views into tokens_
    std::array<int32_t, 256> byte_tokens_{};
    int32_t bos_ = -1, eos_ = -1, unk_ = -1, pad_ = -1, eot_ = -1, eom_ = -1;
    bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
    std::vector<int32_t> special_ids_;
    std::vector<bool> special_flags_;
    std::vector<int32_t> eog_ids_;
};

} // namespace hoard::tokenizer
