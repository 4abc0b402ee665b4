#pragma once
// The byte-level alphabet of GPT-2 style BPE: every byte value is shown as one
// printable code point (printable Latin-1 bytes as themselves, the others as
// U+0100 onwards), so that any byte string becomes text a vocabulary can hold.
#include <cstdint>
#include <string>
#include <string_view>

namespace hoard::tokenizer::byte_level {

char32_t codepoint_of_byte(uint8_t byte);

// The byte a code point stands for, or -1 when it is not part of the alphabet.
int byte_of_codepoint(char32_t cp);

// Appends the UTF-8 text of the alphabet characters for `bytes`.
void append_encoded(std::string& out, std::string_view bytes);

// The UTF-8 text of the alphabet character for one byte.
std::string_view encoded_byte(uint8_t byte);

// Maps alphabet text back to bytes; characters outside the alphabet are kept
// as their own UTF-8 bytes.
void append_decoded(std::string& out, std::string_view text);

} // namespace hoard::tokenizer::byte_level
