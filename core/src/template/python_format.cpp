#include "template/python_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "hoard/error.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

std::string float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    std::string out;
    if (sci[0] == '-') {
        out += '-';
        sci.erase(0, 1);
    }
    const std::size_t e = sci.find('e');
    std::string digits = sci.substr(0, e);
    if (digits.size() > 1) digits.erase(1, 1); // drop the '.'
    const int exponent = std::stoi(sci.substr(e + 1));
    const int decpt = exponent + 1; // digits[0] sits just before position decpt
    const int n = static_cast<int>(digits.size());
    if (decpt <= -4 || decpt > 16) {
        out += digits[0];
        if (n > 1) out += "." + digits.substr(1);
        const int x = decpt - 1;
        out += x < 0 ? "e-" : "e+";
        const std::string mag = std::to_string(x < 0 ? -x : x);
        if (mag.size() < 2) out += '0';
        out += mag;
    } else if (decpt <= 0) {
        out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (decpt >= n) {
        out += digits + std::string(static_cast<std::size_t>(decpt - n), '0') + ".0";
    } else {
        out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
}

namespace {

bool printable(char32_t c) {
    if (c < 0x20 || c == 0x7F) return false;
    if (c >= 0x80 && c <= 0xA0) return false;
    if (c == 0xAD || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF)
        return false;
    return true;
}

void append_hex(std::string& out, char32_t c, int width) {
    static const char* hex = "0123456789abcdef";
    for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) out += hex[(c >> shift) & 0xF];
}

} // namespace

std::string string_repr(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out;
    out.reserve(s.size() + 2);
    out += quote;
    for (char32_t c : utf8_decode(s)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (!printable(c)) {
            if (c < 0x100) {
                out += "\\x";
                append_hex(out, c, 2);
            } else {
                out += "\\u";
                append_hex(out, c, 4);
            }
        } else {
            utf8_append(out, c);
        }
    }
    out += quote;
    return out;
}

namespace {

// A parsed format spec: [[fill]align][sign][#][0][width][,|_][.precision][type].
struct Spec {
    char32_t fill = ' ';
    char align = 0;
    char sign = '-';
    bool alternate = false;
    bool zero = false;
    int width = -1;
    char grouping = 0;
    int precision = -1;
    char type = 0;
};

constexpr int kMaxWidth = 10000; // a template may not ask for unbounded padding

int read_number(std::string_view s, std::size_t& i) {
    int v = 0;
    bool any = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i] - '0');
        if (v > kMaxWidth) throw Error("format width or precision too large");
        ++i;
        any = true;
    }
    return any ? v : -1;
}

Spec parse_spec(std::string_view s) {
    Spec spec;
    std::u32string u = utf8_decode(s);
    std::size_t i = 0;
    auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (u.size() >= 2 && is_align(u[1])) {
        spec.fill = u[0];
        spec.align = static_cast<char>(u[1]);
        i = 2;
    } else if (!u.empty() && is_align(u[0])) {
        spec.align = static_cast<char>(u[0]);
        i = 1;
    }
    const std::string rest = utf8_encode(std::u32string_view(u).substr(i));
    std::size_t j = 0;
    if (j < rest.size() && (rest[j] == '+' || rest[j] == '-' || rest[j] == ' '))
        spec.sign = rest[j++];
    if (j < rest.size() && rest[j] == '#') {
        spec.alternate = true;
        ++j;
    }
    if (j < rest.size() && rest[j] == '0') {
        spec.zero = true;
        ++j;
    }
    spec.width = read_number(rest, j);
    if (j < rest.size() && (rest[j] == ',' || rest[j] == '_')) spec.grouping = rest[j++];
    if (j < rest.size() && rest[j] == '.') {
        ++j;
        spec.precision = read_number(rest, j);
        if (spec.precision < 0) throw Error("format specifier missing precision");
    }
    if (j < rest.size()) spec.type = rest[j++];
    if (j != rest.size()) throw Error("invalid format specifier '" + std::string(s) + "'");
    return spec;
}

std::string group_digits(const std::string& digits, char sep) {
    std::string out;
    const std::size_t n = digits.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i && (n - i) % 3 == 0) out += sep;
        out += digits[i];
    }
    return out;
}

std::string to_chars_str(double v, std::chars_format fmt, int precision) {
    char buf[512];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, fmt, precision);
    if (res.ec != std::errc()) throw Error("number too long to format");
    return std::string(buf, res.ptr);
}

// Python's %e / {:e} always shows at least two exponent digits, as C does.
std::string format_float(double v, char type, int precision, bool alternate) {
    if (std::isnan(v)) return (type >= 'A' && type <= 'Z') ? "NAN" : "nan";
    if (std::isinf(v)) return (type >= 'A' && type <= 'Z') ? "INF" : "inf";
    const double a = std::fabs(v);
    std::string body;
    switch (type) {
    case 'f':
    case 'F':
        body = to_chars_str(a, std::chars_format::fixed, precision);
        break;
    case 'e':
    case 'E':
        body = to_chars_str(a, std::chars_format::scientific, precision);
        break;
    case 'g':
    case 'G': {
        char buf[512];
        std::snprintf(buf, sizeof buf, alternate ? "%#.*g" : "%.*g", precision, a);
        body = buf;
        if (body.find(',') != std::string::npos) body[body.find(',')] = '.'; // foreign locale
        break;
    }
    case '%':
        body = to_chars_str(a * 100.0, std::chars_format::fixed, precision) + "%";
        break;
    default:
        body = float_repr(a);
        break;
    }
    if (alternate && (type == 'f' || type == 'F') && body.find('.') == std::string::npos)
        body += '.';
    if (type >= 'A' && type <= 'Z') body = str_upper(body);
    return body;
}

std::string int_digits(std::uint64_t m, char type) {
    if (m == 0) return "0";
    std::string out;
    int base = 10;
    if (type == 'x' || type == 'X') base = 16;
    if (type == 'o') base = 8;
    if (type == 'b') base = 2;
    const char* table = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    while (m) {
        out.insert(out.begin(), table[m % static_cast<std::uint64_t>(base)]);
        m /= static_cast<std::uint64_t>(base);
    }
    return out;
}

std::string pad(std::string sign, std::string body, const Spec& spec, char default_align) {
    const char align = spec.align ? spec.align : (spec.zero ? '=' : default_align);
    const char32_t fill = (spec.zero && !spec.align) ? U'0' : spec.fill;
    const std::size_t len = utf8_length(sign) + utf8_length(body);
    if (spec.width <= 0 || len >= static_cast<std::size_t>(spec.width)) return sign + body;
    const std::size_t n = static_cast<std::size_t>(spec.width) - len;
    std::string f;
    utf8_append(f, fill);
    auto fills = [&](std::size_t k) {
        std::string s;
        for (std::size_t i = 0; i < k; ++i) s += f;
        return s;
    };
    switch (align) {
    case '<':
        return sign + body + fills(n);
    case '^':
        return fills(n / 2) + sign + body + fills(n - n / 2);
    case '=':
        return sign + fills(n) + body;
    default:
        return fills(n) + sign + body;
    }
}

} // namespace

std::string format_with_spec(const Value& value, std::string_view spec_text) {
    if (spec_text.empty()) return value.str(); // format(x, '') is str(x)
    const Spec spec = parse_spec(spec_text);
    const char t = spec.type;
    if (value.is_string() || (!value.is_number() && (t == 0 || t == 's'))) {
        if (t != 0 && t != 's') {
            throw Error("unknown format code '" + std::string(1, t) + "' for object of type 'str'");
        }
        std::string s = value.str();
        if (spec.precision >= 0) {
            std::u32string u = utf8_decode(s);
            if (u.size() > static_cast<std::size_t>(spec.precision)) u.resize(spec.precision);
            s = utf8_encode(u);
        }
        return pad("", s, spec, '<');
    }
    if (!value.is_number()) {
        throw Error("unsupported format string passed to " + value.type_name() + ".__format__");
    }
    auto sign_of = [&](bool negative) {
        if (negative) return std::string("-");
        if (spec.sign == '+') return std::string("+");
        if (spec.sign == ' ') return std::string(" ");
        return std::string();
    };
    const bool integral = !value.is_float();
    if (integral && (t == 0 || t == 'd' || t == 'n' || t == 'x' || t == 'X' || t == 'o' ||
                     t == 'b' || t == 'c')) {
        const std::int64_t v = value.integer();
        if (t == 'c') {
            std::string s;
            utf8_append(s, static_cast<char32_t>(v));
            return pad("", s, spec, '<');
        }
        const std::uint64_t m =
            v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        std::string digits = int_digits(m, t);
        if (spec.grouping) digits = group_digits(digits, spec.grouping);
        std::string prefix;
        if (spec.alternate && (t == 'x' || t == 'X' || t == 'o' || t == 'b'))
            prefix = std::string("0") + t;
        return pad(sign_of(v < 0) + prefix, digits, spec, '>');
    }
    if (t != 0 && t != 'f' && t != 'F' && t != 'e' && t != 'E' && t != 'g' && t != 'G' &&
        t != '%') {
        throw Error("unknown format code '" + std::string(1, t) + "' for object of type '" +
                    value.type_name() + "'");
    }
    const double v = value.number();
    std::string body;
    if (t == 0 && spec.precision < 0) {
        body = float_repr(std::fabs(v));
    } else if (t == 0) {
        body = format_float(v, 'g', spec.precision == 0 ? 1 : spec.precision, spec.alternate);
        if (body.find_first_of(".en") == std::string::npos) body += ".0";
    } else {
        body = format_float(v, t, spec.precision < 0 ? 6 : spec.precision, spec.alternate);
    }
    if (spec.grouping && !std::isinf(v) && !std::isnan(v)) {
        const std::size_t end = body.find_first_not_of("0123456789");
        body = group_digits(body.substr(0, end), spec.grouping) +
               (end == std::string::npos ? "" : body.substr(end));
    }
    return pad(sign_of(std::signbit(v) && !std::isnan(v)), body, spec, '>');
}

} // namespace hoard::templ
