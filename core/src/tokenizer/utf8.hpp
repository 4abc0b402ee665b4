#pragma once
// UTF-8 decoding that never fails: an invalid byte sequence is reported as such
// (one "maximal subpart" at a time, as Unicode recommends for U+FFFD), so that
// tokenizers can pass the original bytes on and decoders can replace them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hoard::tokenizer::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

struct Decoded {
    char32_t codepoint; // kReplacement when !valid
    uint32_t length;    // bytes consumed, always >= 1
    bool valid;
    bool truncated; // invalid only because the text ends inside the sequence
};

// Decodes the sequence at `pos` (pos < text.size()).
Decoded decode(std::string_view text, size_t pos);

// Bytes of a well-formed sequence that starts with `lead`, or 0 for a byte that
// cannot start one.
size_t sequence_length(uint8_t lead);

void append(std::string& out, char32_t codepoint);

// Length of the longest prefix of `bytes` that ends on a sequence boundary and
// leaves out only a trailing sequence that is still incomplete (one that more
// bytes could complete). Invalid bytes before that tail are included.
size_t complete_prefix_length(std::string_view bytes);

// `bytes` with every invalid sequence replaced by U+FFFD.
std::string to_valid(std::string_view bytes);

bool is_valid(std::string_view bytes);

} // namespace hoard::tokenizer::utf8
