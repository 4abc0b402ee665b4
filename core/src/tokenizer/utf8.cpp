#include "tokenizer/utf8.hpp"

namespace hoard::tokenizer::utf8 {
namespace {

struct ByteRange {
    uint8_t lo;
    uint8_t hi;
};

// The allowed range of the second byte after `lead` (the first continuation byte);
// later continuation bytes are always 80..BF. Returns the sequence length, 0 if
// `lead` cannot start a sequence.
size_t second_byte_range(uint8_t lead, ByteRange& range) {
    range = {0x80, 0xBF};
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead == 0xE0) {
        range = {0xA0, 0xBF};
        return 3;
    }
    if (lead == 0xED) {
        range = {0x80, 0x9F}; // no surrogates
        return 3;
    }
    if (lead >= 0xE1 && lead <= 0xEF) return 3;
    if (lead == 0xF0) {
        range = {0x90, 0xBF};
        return 4;
    }
    if (lead >= 0xF1 && lead <= 0xF3) return 4;
    if (lead == 0xF4) {
        range = {0x80, 0x8F}; // nothing above U+10FFFF
        return 4;
    }
    return 0;
}

} // namespace

size_t sequence_length(uint8_t lead) {
    ByteRange range;
    return second_byte_range(lead, range);
}

Decoded decode(std::string_view text, size_t pos) {
    const auto lead = static_cast<uint8_t>(text[pos]);
    ByteRange range;
    const size_t length = second_byte_range(lead, range);
    if (length == 1) return {lead, 1, true, false};
    if (length == 0) return {kReplacement, 1, false, false};
    char32_t cp = lead & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < length; ++k) {
        if (pos + k >= text.size()) return {kReplacement, static_cast<uint32_t>(k), false, true};
        const auto b = static_cast<uint8_t>(text[pos + k]);
        if (b < range.lo || b > range.hi)
            return {kReplacement, static_cast<uint32_t>(k), false, false};
        cp = (cp << 6) | (b & 0x3F);
        range = {0x80, 0xBF};
    }
    return {cp, static_cast<uint32_t>(length), true, false};
}

void append(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

size_t complete_prefix_length(std::string_view bytes) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Decoded d = decode(bytes, pos);
        if (d.truncated) return pos;
        pos += d.length;
    }
    return pos;
}

std::string to_valid(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Decoded d = decode(bytes, pos);
        if (d.valid) {
            out.append(bytes.substr(pos, d.length));
        } else {
            append(out, kReplacement);
        }
        pos += d.length;
    }
    return out;
}

bool is_valid(std::string_view bytes) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Decoded d = decode(bytes, pos);
        if (!d.valid) return false;
        pos += d.length;
    }
    return true;
}

} // namespace hoard::tokenizer::utf8
