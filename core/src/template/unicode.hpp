#pragma once
// UTF-8 helpers: Python strings count, index and slice by code point, and
// their case and whitespace rules reach beyond ASCII.
#include <string>
#include <string_view>
#include <vector>

namespace hoard::templ {

// Decodes UTF-8; an invalid byte becomes U+FFFD so nothing is lost silently.
std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
void utf8_append(std::string& out, char32_t c);
std::size_t utf8_length(std::string_view s);
bool is_ascii(std::string_view s);

// Python's str.isspace() for one code point.
bool is_space(char32_t c);
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);
// Simple one-to-one case mapping (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic).
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);

std::string str_upper(std::string_view s);
std::string str_lower(std::string_view s);
// Python's str.capitalize(): first character upper, the rest lower.
std::string str_capitalize(std::string_view s);
// Python's str.title(): every run of letters starts upper, continues lower.
std::string str_title(std::string_view s);

// Python's str.strip family; `chars` null means whitespace.
std::string str_strip(std::string_view s, const std::string* chars, bool left, bool right);

} // namespace hoard::templ
