#include "tokenizer/byte_level.hpp"

#include "tokenizer/utf8.hpp"

#include <array>

namespace hoard::tokenizer::byte_level {
namespace {

bool is_shown_as_itself(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Alphabet {
    std::array<char32_t, 256> codepoint{};
    std::array<std::string, 256> text;
    std::array<int16_t, 324> byte_of{}; // every alphabet code point is below U+0144

    Alphabet() {
        byte_of.fill(-1);
        char32_t next = 0x100;
        for (unsigned b = 0; b < 256; ++b) {
            codepoint[b] = is_shown_as_itself(b) ? static_cast<char32_t>(b) : next++;
            utf8::append(text[b], codepoint[b]);
            byte_of[codepoint[b]] = static_cast<int16_t>(b);
        }
    }
};

const Alphabet& alphabet() {
    static const Alphabet a;
    return a;
}

} // namespace

char32_t codepoint_of_byte(uint8_t byte) {
    return alphabet().codepoint[byte];
}

int byte_of_codepoint(char32_t cp) {
    const Alphabet& a = alphabet();
    return cp < a.byte_of.size() ? a.byte_of[cp] : -1;
}

std::string_view encoded_byte(uint8_t byte) {
    return alphabet().text[byte];
}

void append_encoded(std::string& out, std::string_view bytes) {
    const Alphabet& a = alphabet();
    for (char c : bytes) out += a.text[static_cast<uint8_t>(c)];
}

void append_decoded(std::string& out, std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        const utf8::Decoded d = utf8::decode(text, pos);
        const int b = d.valid ? byte_of_codepoint(d.codepoint) : -1;
        if (b >= 0) {
            out.push_back(static_cast<char>(b));
        } else {
            out.append(text.substr(pos, d.length));
        }
        pos += d.length;
    }
}

} // namespace hoard::tokenizer::byte_level
