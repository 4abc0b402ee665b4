#pragma once
// The regex splits that byte-level BPE vocabularies apply before merging, one
// per tokenizer.ggml.pre value, written out by hand over Unicode categories.
// A pre-tokenizer is a sequence of steps; each step splits every piece the
// previous step produced into its matches and the text between them (so nothing
// is ever dropped), and sees only that piece (anchors and look-aheads stop at
// its ends).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::tokenizer {

// A character test: (code point, unicode::ClassFlag bits of it).
using CharPredicate = bool (*)(char32_t, uint8_t);

// One regex of a pre-tokenizer's sequence.
struct SplitStep {
    enum class Kind : uint8_t {
        Gpt2Words,   // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
        Llama3Words, // the Llama 3 / Qwen2 pattern; max_run is the digit group length
        DeepseekV3Words, // the DeepSeek V3 main pattern
        Run,             // (\s?)[class]{min_run,max_run}
        TrailingSpace,   // \s+$
    };
    Kind kind = Kind::Run;
    CharPredicate predicate = nullptr;
    bool space_prefix = false; // a leading \s? before the run
    size_t min_run = 1;
    size_t max_run = static_cast<size_t>(-1);
};

class PreTokenizer {
  public:
    // The pre-tokenizer for a tokenizer.ggml.pre value ("" when absent); throws
    // hoard::Error naming `label` for one it does not know.
    static PreTokenizer for_name(const std::string& pre, const std::string& label);

    static std::vector<std::string> supported_names();

    // Appends the pieces of `text`, in order; together they are exactly `text`.
    void split(std::string_view text, std::vector<std::string_view>& pieces) const;

    // Whether a piece that is itself a token skips merging (Llama 3 vocabularies).
    bool whole_word_first() const { return whole_word_first_; }

    const std::string& name() const { return name_; }

  private:
    PreTokenizer() = default;

    std::string name_;
    std::vector<SplitStep> steps_;
    bool whole_word_first_ = false;
};

} // namespace hoard::tokenizer
