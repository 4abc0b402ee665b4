#include "template/lexer.hpp"

#include <array>

#include "hoard/error.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

namespace {

bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9');
}

std::string rstrip_ws(std::string_view s) {
    std::size_t e = s.size();
    while (e > 0 && is_ws(s[e - 1])) --e;
    return std::string(s.substr(0, e));
}

class Lexer {
  public:
    Lexer(std::string_view source, const LexerOptions& options) : opt_(options) {
        // jinja2 reads "\r\n" and "\r" as "\n" and drops one trailing newline.
        src_.reserve(source.size());
        for (std::size_t i = 0; i < source.size(); ++i) {
            if (source[i] == '\r') {
                src_ += '\n';
                if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
            } else {
                src_ += source[i];
            }
        }
        if (!opt_.keep_trailing_newline && !src_.empty() && src_.back() == '\n') src_.pop_back();
    }

    std::vector<Token> run() {
        while (pos_ < src_.size()) {
            const std::size_t tag = find_tag(pos_);
            if (tag == std::string::npos) {
                emit_text(src_.substr(pos_), line_);
                break;
            }
            const char kind = src_[tag + 1];
            std::size_t after = tag + 2;
            char sign = 0;
            if (after < src_.size() && (src_[after] == '-' || src_[after] == '+'))
                sign = src_[after++];
            emit_text(
                strip_before(std::string_view(src_).substr(pos_, tag - pos_), sign, kind != '{'),
                line_);
            advance_to(after);
            if (kind == '#') {
                comment();
            } else if (kind == '%' && raw_begin()) {
                raw_body();
            } else {
                out_.push_back({kind == '%' ? Token::Type::BlockBegin : Token::Type::VariableBegin,
                                {},
                                line_});
                expression(kind);
            }
        }
        out_.push_back({Token::Type::End, {}, line_});
        return std::move(out_);
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error("chat template syntax error at line " + std::to_string(line_) + ": " + what);
    }

    std::size_t find_tag(std::size_t from) const {
        for (std::size_t p = src_.find('{', from); p != std::string::npos;
             p = src_.find('{', p + 1)) {
            if (p + 1 < src_.size() &&
                (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#'))
                return p;
        }
        return std::string::npos;
    }

    void advance_to(std::size_t p) {
        for (std::size_t i = pos_; i < p; ++i) {
            if (src_[i] == '\n') ++line_;
        }
        if (p > pos_) line_starting_ = src_[p - 1] == '\n';
        pos_ = p;
    }

    // Whitespace control for the text before a tag: '-' strips all trailing
    // whitespace; lstrip_blocks strips the indentation before a block or comment
    // tag that starts its line, unless the tag opens with '+'.
    std::string strip_before(std::string_view text, char sign, bool block_like) const {
        if (sign == '-') return rstrip_ws(text);
        if (sign == '+' || !opt_.lstrip_blocks || !block_like) return std::string(text);
        const std::size_t nl = text.rfind('\n');
        const std::size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if (l_pos == 0 && !line_starting_) return std::string(text);
        if (l_pos == text.size()) return std::string(text);
        for (std::size_t i = l_pos; i < text.size(); ++i) {
            if (!is_ws(text[i])) return std::string(text);
        }
        return std::string(text.substr(0, l_pos));
    }

    void emit_text(std::string text, int line) {
        if (!text.empty()) out_.push_back({Token::Type::Text, std::move(text), line});
    }

    void comment() {
        const std::size_t close = src_.find("#}", pos_);
        if (close == std::string::npos) fail("missing end of comment tag");
        const bool minus = close > pos_ && src_[close - 1] == '-';
        const bool plus = close > pos_ && src_[close - 1] == '+';
        std::size_t end = close + 2;
        if (minus) {
            while (end < src_.size() && is_ws(src_[end])) ++end;
        } else if (!plus && opt_.trim_blocks && end < src_.size() && src_[end] == '\n') {
            ++end;
        }
        advance_to(end);
    }

    // `{% raw %}` (the '{%' and sign already consumed): true and positioned
    // after the tag when this is one.
    bool raw_begin() {
        std::size_t p = pos_;
        while (p < src_.size() && is_ws(src_[p])) ++p;
        if (src_.compare(p, 3, "raw") != 0) return false;
        p += 3;
        if (p < src_.size() && is_name_char(src_[p])) return false;
        while (p < src_.size() && is_ws(src_[p])) ++p;
        if (src_.compare(p, 3, "-%}") == 0) {
            p += 3;
            while (p < src_.size() && is_ws(src_[p])) ++p;
        } else if (src_.compare(p, 2, "%}") == 0) {
            p += 2;
        } else {
            return false;
        }
        advance_to(p);
        return true;
    }

    void raw_body() {
        const int body_line = line_;
        for (std::size_t p = src_.find("{%", pos_); p != std::string::npos;
             p = src_.find("{%", p + 1)) {
            std::size_t q = p + 2;
            char sign = 0;
            if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
            while (q < src_.size() && is_ws(src_[q])) ++q;
            if (src_.compare(q, 6, "endraw") != 0) continue;
            q += 6;
            while (q < src_.size() && is_ws(src_[q])) ++q;
            std::size_t end;
            if (src_.compare(q, 3, "-%}") == 0) {
                end = q + 3;
                while (end < src_.size() && is_ws(src_[end])) ++end;
            } else if (src_.compare(q, 3, "+%}") == 0) {
                end = q + 3;
            } else if (src_.compare(q, 2, "%}") == 0) {
                end = q + 2;
                if (opt_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
            } else {
                continue;
            }
            emit_text(strip_before(std::string_view(src_).substr(pos_, p - pos_), sign, true),
                      body_line);
            advance_to(end);
            return;
        }
        fail("missing end of raw directive");
    }

    // Expression tokens up to the tag's end; kind is '%' or '{'.
    void expression(char kind) {
        std::vector<char> balance;
        while (true) {
            while (pos_ < src_.size() && is_ws(src_[pos_])) advance_to(pos_ + 1);
            if (pos_ >= src_.size()) fail("unexpected end of template, the tag is not closed");
            if (balance.empty() && end_of_tag(kind)) return;
            const char c = src_[pos_];
            if (c == '\'' || c == '"') {
                string_literal();
            } else if (c >= '0' && c <= '9') {
                number();
            } else if (is_name_start(c)) {
                std::size_t e = pos_;
                while (e < src_.size() && is_name_char(src_[e])) ++e;
                out_.push_back({Token::Type::Name, src_.substr(pos_, e - pos_), line_});
                advance_to(e);
            } else {
                op(balance);
            }
        }
    }

    bool end_of_tag(char kind) {
        const Token::Type type = kind == '%' ? Token::Type::BlockEnd : Token::Type::VariableEnd;
        const char* close = kind == '%' ? "%}" : "}}";
        std::size_t end;
        if (src_.compare(pos_, 1, "-") == 0 && src_.compare(pos_ + 1, 2, close) == 0) {
            end = pos_ + 3;
            while (end < src_.size() && is_ws(src_[end])) ++end;
        } else if (kind == '%' && src_.compare(pos_, 3, "+%}") == 0) {
            end = pos_ + 3;
        } else if (src_.compare(pos_, 2, close) == 0) {
            end = pos_ + 2;
            if (kind == '%' && opt_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
        } else {
            return false;
        }
        out_.push_back({type, {}, line_});
        advance_to(end);
        return true;
    }

    void string_literal() {
        const char quote = src_[pos_];
        const int start_line = line_;
        std::string value;
        std::size_t p = pos_ + 1;
        auto hex_value = [&](std::size_t at, int digits) -> char32_t {
            if (at + digits > src_.size()) fail("truncated escape in string literal");
            char32_t v = 0;
            for (int k = 0; k < digits; ++k) {
                const char h = src_[at + k];
                int d = -1;
                if (h >= '0' && h <= '9')
                    d = h - '0';
                else if (h >= 'a' && h <= 'f')
                    d = h - 'a' + 10;
                else if (h >= 'A' && h <= 'F')
                    d = h - 'A' + 10;
                if (d < 0) fail("bad escape in string literal");
                v = v * 16 + static_cast<char32_t>(d);
            }
            return v;
        };
        while (true) {
            if (p >= src_.size()) fail("unterminated string literal");
            const char c = src_[p];
            if (c == quote) break;
            if (c != '\\') {
                value += c;
                ++p;
                continue;
            }
            if (p + 1 >= src_.size()) fail("unterminated string literal");
            const char e = src_[p + 1];
            p += 2;
            switch (e) {
            case '\n':
                break;
            case '\\':
                value += '\\';
                break;
            case '\'':
                value += '\'';
                break;
            case '"':
                value += '"';
                break;
            case 'a':
                value += '\a';
                break;
            case 'b':
                value += '\b';
                break;
            case 'f':
                value += '\f';
                break;
            case 'n':
                value += '\n';
                break;
            case 'r':
                value += '\r';
                break;
            case 't':
                value += '\t';
                break;
            case 'v':
                value += '\v';
                break;
            case 'x':
                utf8_append(value, hex_value(p, 2));
                p += 2;
                break;
            case 'u':
                utf8_append(value, hex_value(p, 4));
                p += 4;
                break;
            case 'U':
                utf8_append(value, hex_value(p, 8));
                p += 8;
                break;
            default:
                if (e >= '0' && e <= '7') {
                    char32_t v = static_cast<char32_t>(e - '0');
                    for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7';
                         ++k)
                        v = v * 8 + static_cast<char32_t>(src_[p++] - '0');
                    utf8_append(value, v);
                } else {
                    value += '\\';
                    value += e;
                }
            }
        }
        advance_to(p + 1);
        out_.push_back({Token::Type::String, std::move(value), start_line});
    }

    void number() {
        std::size_t p = pos_;
        auto digits = [&](auto accept) {
            std::string d;
            while (p < src_.size() && (accept(src_[p]) || src_[p] == '_')) {
                if (src_[p] != '_') d += src_[p];
                ++p;
            }
            return d;
        };
        auto dec = [](char c) { return c >= '0' && c <= '9'; };
        if (src_[p] == '0' && p + 1 < src_.size() &&
            std::string_view("xXoObB").find(src_[p + 1]) != std::string_view::npos) {
            const char base = static_cast<char>(src_[p + 1] | 0x20);
            p += 2;
            const std::string d = digits([&](char c) {
                if (base == 'b') return c == '0' || c == '1';
                if (base == 'o') return c >= '0' && c <= '7';
                return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            });
            if (d.empty()) fail("malformed number literal");
            out_.push_back({Token::Type::Integer, std::string("0") + base + d, line_});
            advance_to(p);
            return;
        }
        std::string text = digits(dec);
        bool is_float = false;
        const bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
        if (!after_dot && p + 1 < src_.size() && src_[p] == '.' && dec(src_[p + 1])) {
            ++p;
            text += '.' + digits(dec);
            is_float = true;
        }
        if (!after_dot && p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
            std::size_t q = p + 1;
            if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
            if (q < src_.size() && dec(src_[q])) {
                const std::string head = src_.substr(p, q - p);
                p = q;
                text += head + digits(dec);
                is_float = true;
            }
        }
        out_.push_back(
            {is_float ? Token::Type::Float : Token::Type::Integer, std::move(text), line_});
        advance_to(p);
    }

    void op(std::vector<char>& balance) {
        static const std::array<const char*, 6> two = {"//", "**", "==", "!=", ">=", "<="};
        for (const char* t : two) {
            if (src_.compare(pos_, 2, t) == 0) {
                out_.push_back({Token::Type::Operator, t, line_});
                advance_to(pos_ + 2);
                return;
            }
        }
        const char c = src_[pos_];
        if (std::string_view("+-/*%~[](){}<>=.:|,;").find(c) == std::string_view::npos) {
            fail(std::string("unexpected character '") + c + "'");
        }
        if (c == '(' || c == '[' || c == '{') {
            balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        } else if (c == ')' || c == ']' || c == '}') {
            if (balance.empty() || balance.back() != c) fail(std::string("unexpected '") + c + "'");
            balance.pop_back();
        }
        out_.push_back({Token::Type::Operator, std::string(1, c), line_});
        advance_to(pos_ + 1);
    }

    const LexerOptions& opt_;
    std::string src_;
    std::size_t pos_ = 0;
    int line_ = 1;
    bool line_starting_ = true;
    std::vector<Token> out_;
};

} // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
    return Lexer(source, options).run();
}

} // namespace hoard::templ
