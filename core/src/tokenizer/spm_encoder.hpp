#pragma once
// SentencePiece-style BPE over a scored vocabulary: starting from single
// characters, repeatedly join the adjacent pair whose joined string is the
// highest-scoring token (leftmost on ties); what never became a token falls back
// to <0xXX> byte tokens, or to the unknown token.
#include "tokenizer/vocabulary.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::tokenizer {

class SpmEncoder {
  public:
    explicit SpmEncoder(const Vocabulary& vocab) : vocab_(vocab) {}

    // Appends the tokens of `text`, whose spaces are already ▁ (U+2581).
    void encode(std::string_view text, std::vector<int32_t>& out) const;

    // Spaces to ▁, with a leading ▁ when `space_prefix`.
    static std::string escape_spaces(std::string_view text, bool space_prefix);

  private:
    void emit_symbol(std::string_view piece, std::vector<int32_t>& out) const;

    const Vocabulary& vocab_;
};

} // namespace hoard::tokenizer
