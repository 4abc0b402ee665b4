#include "tokenizer/unicode_category.hpp"

#include <algorithm>
#include <array>

namespace hoard::tokenizer::unicode {
namespace {

uint8_t flags_of(Category c) {
    switch (c) {
    case Category::Lu:
    case Category::Ll:
    case Category::Lt:
    case Category::Lm:
    case Category::Lo:
        return kLetter;
    case Category::Mn:
    case Category::Mc:
    case Category::Me:
        return kMark;
    case Category::Nd:
    case Category::Nl:
    case Category::No:
        return kNumber;
    case Category::Pc:
    case Category::Pd:
    case Category::Ps:
    case Category::Pe:
    case Category::Pi:
    case Category::Pf:
    case Category::Po:
        return kPunctuation;
    case Category::Sm:
    case Category::Sc:
    case Category::Sk:
    case Category::So:
        return kSymbol;
    case Category::Zs:
    case Category::Zl:
    case Category::Zp:
        return kSeparator;
    default:
        return kOther;
    }
}

Category lookup_category(char32_t cp) {
    if (cp > 0x10FFFF) return Category::Cn;
    const uint32_t* begin = detail::kCategoryRuns;
    const uint32_t* end = begin + detail::kCategoryRunCount;
    // The last run whose first code point is <= cp.
    const uint32_t key = (static_cast<uint32_t>(cp) << 5) | 0x1F;
    const uint32_t* it = std::upper_bound(begin, end, key);
    if (it == begin) return Category::Cn;
    return static_cast<Category>(*(it - 1) & 0x1F);
}

bool lookup_whitespace(char32_t cp) {
    for (size_t i = 0; i < detail::kWhiteSpaceCount; ++i) {
        if (cp >= detail::kWhiteSpace[i].first && cp <= detail::kWhiteSpace[i].last) return true;
    }
    return false;
}

// ASCII is by far the most common input; answer it from a table.
struct AsciiTable {
    std::array<uint8_t, 128> flags{};
    std::array<Category, 128> categories{};
    AsciiTable() {
        for (char32_t cp = 0; cp < 128; ++cp) {
            categories[cp] = lookup_category(cp);
            flags[cp] = static_cast<uint8_t>(flags_of(categories[cp]) |
                                             (lookup_whitespace(cp) ? kWhiteSpace : 0));
        }
    }
};

const AsciiTable& ascii_table() {
    static const AsciiTable table;
    return table;
}

} // namespace

Category category(char32_t cp) {
    if (cp < 128) return ascii_table().categories[cp];
    return lookup_category(cp);
}

uint8_t class_flags(char32_t cp) {
    if (cp < 128) return ascii_table().flags[cp];
    return static_cast<uint8_t>(flags_of(lookup_category(cp)) |
                                (lookup_whitespace(cp) ? kWhiteSpace : 0));
}

const char* unicode_version() {
    return detail::kUnicodeVersion;
}

} // namespace hoard::tokenizer::unicode
