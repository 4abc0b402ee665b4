#include "tokenizer/split_rules.hpp"

#include "tokenizer/unicode_category.hpp"
#include "tokenizer/utf8.hpp"

#include <algorithm>
#include <iterator>

namespace hoard::tokenizer {

using namespace unicode;

CodepointText::CodepointText(std::string_view text) {
    codepoints.reserve(text.size());
    flags.reserve(text.size());
    offsets.reserve(text.size() + 1);
    for (size_t pos = 0; pos < text.size();) {
        const utf8::Decoded d = utf8::decode(text, pos);
        const char32_t cp = d.valid ? d.codepoint : kInvalidCodepoint;
        codepoints.push_back(cp);
        flags.push_back(d.valid ? class_flags(cp) : uint8_t{kOther});
        offsets.push_back(pos);
        pos += d.length;
    }
    offsets.push_back(text.size());
}

namespace char_class {

namespace {
struct Range {
    char32_t first;
    char32_t last;
};

template <size_t N> bool in_ranges(const Range (&ranges)[N], char32_t cp) {
    const Range* it = std::upper_bound(std::begin(ranges), std::end(ranges), cp,
                                       [](char32_t c, const Range& r) { return c < r.first; });
    return it != std::begin(ranges) && cp <= (it - 1)->last;
}

// DeepSeek LLM's letter class, as listed in its tokenizer definition (sorted).
const Range kDeepseekLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xB5, 0xB5},       {0xC0, 0xD6},
    {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
    {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x377},     {0x37B, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
    {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},
    {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
    {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},
    {0xA680, 0xA69B},   {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},
    {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};

const Range kDeepseekPunctuation[] = {
    {0x21, 0x2F},     {0x3A, 0x7E},     {0x2018, 0x201F},
    {0x3000, 0x3002}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E},
};

const Range kCjkHangul[] = {{0x0800, 0x9FA5}, {0xAC00, 0xD7FF}}; // 一-龥 joined with ࠀ-一
const Range kCjkKana[] = {{0x3040, 0x309F}, {0x30A0, 0x30FF}, {0x4E00, 0x9FA5}};
} // namespace

bool newline(char32_t cp, uint8_t) {
    return cp == '\r' || cp == '\n';
}
bool number(char32_t, uint8_t flags) {
    return flags & kNumber;
}
bool letter(char32_t, uint8_t flags) {
    return flags & kLetter;
}
bool punctuation(char32_t, uint8_t flags) {
    return flags & kPunctuation;
}
bool ascii_digit(char32_t cp, uint8_t) {
    return cp >= '0' && cp <= '9';
}
bool falcon_punctuation(char32_t cp, uint8_t flags) {
    if (flags & kPunctuation) return true;
    switch (cp) {
    case '$':
    case '+':
    case '<':
    case '=':
    case '>':
    case '^':
    case '~':
    case '|':
    case '`':
        return true;
    default:
        return false;
    }
}
bool deepseek_letter(char32_t cp, uint8_t) {
    return in_ranges(kDeepseekLetters, cp);
}
bool deepseek_punctuation(char32_t cp, uint8_t) {
    return in_ranges(kDeepseekPunctuation, cp);
}
bool cjk_hangul(char32_t cp, uint8_t) {
    return in_ranges(kCjkHangul, cp);
}
bool cjk_kana(char32_t cp, uint8_t) {
    return in_ranges(kCjkKana, cp);
}

} // namespace char_class

namespace {

// A view of one piece: positions outside [begin, end) do not exist for the regex.
struct Piece {
    const CodepointText& text;
    size_t begin;
    size_t end;

    char32_t cp(size_t i) const { return text.codepoints[i]; }
    uint8_t flags(size_t i) const { return text.flags[i]; }
    bool has(size_t i) const { return i < end; }
    bool is(size_t i, uint8_t flag) const { return i < end && (text.flags[i] & flag); }
    bool is_space(size_t i) const { return is(i, kWhiteSpace); }
    bool is_newline(size_t i) const { return i < end && (cp(i) == '\r' || cp(i) == '\n'); }
    // Not \s, \p{L} or \p{N}: the [^\s\p{L}\p{N}] class.
    bool is_other(size_t i) const {
        return i < end && !(text.flags[i] & (kWhiteSpace | kLetter | kNumber));
    }

    template <class Test> size_t run_end(size_t i, Test test) const {
        while (i < end && test(i)) ++i;
        return i;
    }
    size_t flag_run_end(size_t i, uint8_t flag) const {
        return run_end(i, [&](size_t k) { return (text.flags[k] & flag) != 0; });
    }
    size_t other_run_end(size_t i) const {
        return run_end(i, [&](size_t k) { return is_other(k); });
    }
    size_t newline_run_end(size_t i) const {
        return run_end(i, [&](size_t k) { return is_newline(k); });
    }
};

char32_t ascii_lower(char32_t c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// 's 't 're 've 'm 'll 'd, case-sensitive or not; returns the match length.
size_t contraction(const Piece& p, size_t i, bool ignore_case) {
    if (p.cp(i) != '\'' || !p.has(i + 1)) return 0;
    auto at = [&](size_t k) { return ignore_case ? ascii_lower(p.cp(k)) : p.cp(k); };
    const char32_t c1 = at(i + 1);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if (!p.has(i + 2)) return 0;
    const char32_t c2 = at(i + 2);
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
    return 0;
}

// The whitespace alternatives that end the GPT-2 family of patterns:
// \s+(?!\S)|\s+ , where i is whitespace.
size_t trailing_space_rule(const Piece& p, size_t i) {
    const size_t k = p.flag_run_end(i, kWhiteSpace);
    if (k == p.end || k - i == 1) return k - i;
    return k - i - 1; // leave the last space to prefix the next word
}

size_t match_gpt2(const Piece& p, size_t i) {
    if (size_t n = contraction(p, i, false)) return n;
    const size_t j = p.cp(i) == ' ' ? i + 1 : i; // " ?"
    if (p.is(j, kLetter)) return p.flag_run_end(j, kLetter) - i;
    if (p.is(j, kNumber)) return p.flag_run_end(j, kNumber) - i;
    if (p.is_other(j)) return p.other_run_end(j) - i;
    if (p.is_space(i)) return trailing_space_rule(p, i);
    return 0;
}

// Llama 3 / Qwen2:
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t match_llama3(const Piece& p, size_t i, size_t max_digits) {
    if (size_t n = contraction(p, i, true)) return n;
    const uint8_t f = p.flags(i);
    if (f & kLetter) return p.flag_run_end(i, kLetter) - i;
    if (!p.is_newline(i) && !(f & kNumber) && p.is(i + 1, kLetter)) {
        return p.flag_run_end(i + 1, kLetter) - i;
    }
    if (f & kNumber) return std::min(p.flag_run_end(i, kNumber) - i, max_digits);
    const size_t j = p.cp(i) == ' ' ? i + 1 : i;
    if (p.is_other(j)) return p.newline_run_end(p.other_run_end(j)) - i;
    if (f & kWhiteSpace) {
        // \s*[\r\n]+ : the space run up to and including its last line break.
        const size_t k = p.flag_run_end(i, kWhiteSpace);
        for (size_t m = k; m > i; --m) {
            if (p.is_newline(m - 1)) return m - i;
        }
        return trailing_space_rule(p, i);
    }
    return 0;
}

bool is_ascii_punctuation(char32_t c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}
bool is_ascii_letter(char32_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// DeepSeek V3:
// [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
//  ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t match_deepseek_v3(const Piece& p, size_t i) {
    if (is_ascii_punctuation(p.cp(i)) && p.has(i + 1) && is_ascii_letter(p.cp(i + 1))) {
        return p.run_end(i + 1, [&](size_t k) { return is_ascii_letter(p.cp(k)); }) - i;
    }
    const uint8_t f = p.flags(i);
    const uint8_t letter_or_mark = kLetter | kMark;
    if (!p.is_newline(i) && !(f & (kLetter | kPunctuation | kSymbol)) &&
        p.is(i + 1, letter_or_mark)) {
        return p.flag_run_end(i + 1, letter_or_mark) - i;
    }
    if (f & letter_or_mark) return p.flag_run_end(i, letter_or_mark) - i;
    const size_t j = p.cp(i) == ' ' ? i + 1 : i;
    if (p.is(j, kPunctuation | kSymbol)) {
        return p.newline_run_end(p.flag_run_end(j, kPunctuation | kSymbol)) - i;
    }
    if (f & kWhiteSpace) {
        const size_t k = p.flag_run_end(i, kWhiteSpace);
        for (size_t m = k; m > i; --m) {
            if (p.is_newline(m - 1)) return m - i;
        }
        return trailing_space_rule(p, i);
    }
    return 0;
}

// (\s?)[class]{min,max}
size_t match_run(const Piece& p, size_t i, const SplitStep& step) {
    auto in_class = [&](size_t k) { return step.predicate(p.cp(k), p.flags(k)); };
    auto run_from = [&](size_t start) {
        const size_t limit = std::min(p.end, start + std::min(step.max_run, p.end - start));
        size_t k = start;
        while (k < limit && in_class(k)) ++k;
        return k - start;
    };
    if (step.space_prefix && p.is_space(i) && p.has(i + 1) && in_class(i + 1)) {
        const size_t n = run_from(i + 1);
        if (n >= step.min_run) return n + 1;
    }
    const size_t n = run_from(i);
    return n >= step.min_run ? n : 0;
}

} // namespace

void apply_step(const SplitStep& step, const CodepointText& text, Span piece,
                std::vector<Span>& out) {
    const Piece p{text, piece.first, piece.second};
    if (step.kind == SplitStep::Kind::TrailingSpace) {
        size_t k = p.end;
        while (k > p.begin && p.is_space(k - 1)) --k;
        if (k > p.begin) out.emplace_back(p.begin, k);
        if (k < p.end) out.emplace_back(k, p.end);
        return;
    }
    size_t gap = p.begin;
    for (size_t i = p.begin; i < p.end;) {
        size_t n = 0;
        switch (step.kind) {
        case SplitStep::Kind::Gpt2Words:
            n = match_gpt2(p, i);
            break;
        case SplitStep::Kind::Llama3Words:
            n = match_llama3(p, i, step.max_run);
            break;
        case SplitStep::Kind::DeepseekV3Words:
            n = match_deepseek_v3(p, i);
            break;
        case SplitStep::Kind::Run:
            n = match_run(p, i, step);
            break;
        case SplitStep::Kind::TrailingSpace:
            break;
        }
        if (n == 0) {
            ++i;
            continue;
        }
        if (gap < i) out.emplace_back(gap, i);
        out.emplace_back(i, i + n);
        i += n;
        gap = i;
    }
    if (gap < p.end) out.emplace_back(gap, p.end);
}

} // namespace hoard::tokenizer
