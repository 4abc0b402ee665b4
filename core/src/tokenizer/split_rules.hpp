#pragma once
// The matching side of pre-tokenizer steps: what one regex matches at one
// position of a piece of code points (regex search semantics: leftmost match,
// greedy, alternatives in order).
#include "tokenizer/pre_tokenizer.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace hoard::tokenizer {

// Text decoded once into code points; an invalid byte sequence is one element
// that belongs to no class.
struct CodepointText {
    std::vector<char32_t> codepoints;
    std::vector<uint8_t> flags;  // unicode::ClassFlag bits
    std::vector<size_t> offsets; // byte offset of each element, plus the end

    explicit CodepointText(std::string_view text);
    size_t size() const { return codepoints.size(); }
};

// A half-open range of elements of a CodepointText.
using Span = std::pair<size_t, size_t>;

// Splits [begin, end) by `step` into matches and the gaps between them.
void apply_step(const SplitStep& step, const CodepointText& text, Span piece,
                std::vector<Span>& out);

// Character classes the named pre-tokenizers use.
namespace char_class {
bool newline(char32_t cp, uint8_t flags);              // [\r\n]
bool number(char32_t cp, uint8_t flags);               // \p{N}
bool letter(char32_t cp, uint8_t flags);               // \p{L}
bool punctuation(char32_t cp, uint8_t flags);          // \p{P}
bool ascii_digit(char32_t cp, uint8_t flags);          // [0-9]
bool falcon_punctuation(char32_t cp, uint8_t flags);   // [\p{P}\$\+<=>\^~\|`]
bool deepseek_letter(char32_t cp, uint8_t flags);      // DeepSeek LLM's cased-letter class
bool deepseek_punctuation(char32_t cp, uint8_t flags); // [!-/:-~！-／：-～‘-‟　-。]
bool cjk_hangul(char32_t cp, uint8_t flags);           // [一-龥ࠀ-一가-퟿]
bool cjk_kana(char32_t cp, uint8_t flags);             // [一-龥぀-ゟ゠-ヿ]
} // namespace char_class

} // namespace hoard::tokenizer
