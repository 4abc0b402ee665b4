// Filters on single values: text, numbers, JSON; plus the filter registry.
#include <charconv>
#include <cmath>

#include "hoard/error.hpp"
#include "template/filters.hpp"
#include "template/interpreter.hpp"
#include "template/json_value.hpp"
#include "template/operators.hpp"
#include "template/python_format.hpp"
#include "template/string_methods.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

Value fold_case(const Value& v, bool case_sensitive) {
    if (!case_sensitive && v.is_string()) return Value(str_lower(v.as_string()));
    return v;
}

bool arg_truthy(const CallArgs& args, std::size_t i, std::string_view name, bool fallback) {
    const Value* v = args.get(i, name);
    return v ? v->truthy() : fallback;
}

Value attribute_path(const Value& value, const std::string& path) {
    Value v = value;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string part =
            path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos &&
            part.size() < 18)
            v = get_item(v, Value(static_cast<std::int64_t>(std::stoll(part))));
        else
            v = get_item(v, Value(part));
        if (dot == std::string::npos) return v;
        start = dot + 1;
    }
}

namespace {

std::string text_of(const Value& v) {
    return v.str();
}

const std::string* opt_string(const CallArgs& a, std::size_t i, std::string_view name) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return nullptr;
    if (!v->is_string()) throw Error(std::string(name) + " must be a string");
    return &v->as_string();
}

std::int64_t opt_int(const CallArgs& a, std::size_t i, std::string_view name,
                     std::int64_t fallback) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return fallback;
    if (!v->is_int() && !v->is_bool()) throw Error(std::string(name) + " must be an integer");
    return v->integer();
}

// Python's int(str): optional sign, digits with single underscores, surrounding whitespace.
bool parse_python_int(std::string s, int base, std::int64_t& out) {
    s = str_strip(s, nullptr, true, true);
    std::string digits;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_') continue;
        digits += s[i];
    }
    std::size_t start = 0;
    bool negative = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
        negative = digits[0] == '-';
        start = 1;
    }
    if (start >= digits.size()) return false;
    std::uint64_t m = 0;
    const auto res = std::from_chars(digits.data() + start, digits.data() + digits.size(), m, base);
    if (res.ec != std::errc() || res.ptr != digits.data() + digits.size()) return false;
    if (m > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m);
    return true;
}

// Python's float(str).
bool parse_python_float(const std::string& text, double& out) {
    std::string s = str_lower(str_strip(text, nullptr, true, true));
    std::string clean;
    for (char c : s) {
        if (c != '_') clean += c;
    }
    bool negative = false;
    std::size_t start = 0;
    if (!clean.empty() && (clean[0] == '+' || clean[0] == '-')) {
        negative = clean[0] == '-';
        start = 1;
    }
    const std::string body = clean.substr(start);
    if (body == "inf" || body == "infinity") {
        out = negative ? -INFINITY : INFINITY;
        return true;
    }
    if (body == "nan") {
        out = NAN;
        return true;
    }
    if (body.empty() || body.find_first_not_of("0123456789.e+-") != std::string::npos) return false;
    double v = 0;
    const auto res = std::from_chars(body.data(), body.data() + body.size(), v);
    if (res.ptr != body.data() + body.size()) return false;
    if (res.ec != std::errc() && res.ec != std::errc::result_out_of_range) return false;
    out = negative ? -v : v;
    return true;
}

Value filter_int(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("int", 2, {"default", "base"});
    const Value* fallback = a.get(0, "default");
    const Value def = fallback ? *fallback : Value(std::int64_t{0});
    const std::int64_t base = opt_int(a, 1, "base", 10);
    if (v.is_undefined()) throw_undefined(v); // int(Undefined) fails in jinja2 too
    if (v.is_int() || v.is_bool()) return Value(v.integer());
    if (v.is_float()) {
        const double d = v.as_float();
        if (std::isnan(d) || std::isinf(d) || std::fabs(d) >= 9.2e18) return def;
        return Value(static_cast<std::int64_t>(d));
    }
    if (v.is_string()) {
        std::int64_t i = 0;
        if (base >= 2 && base <= 36 && parse_python_int(v.as_string(), static_cast<int>(base), i))
            return Value(i);
        double d = 0;
        if (parse_python_float(v.as_string(), d) && !std::isnan(d) && !std::isinf(d) &&
            std::fabs(d) < 9.2e18)
            return Value(static_cast<std::int64_t>(d));
    }
    return def;
}

Value filter_float(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("float", 1, {"default"});
    const Value* fallback = a.get(0, "default");
    const Value def = fallback ? *fallback : Value(0.0);
    if (v.is_undefined()) throw_undefined(v);
    if (v.is_number()) return Value(v.number());
    double d = 0;
    if (v.is_string() && parse_python_float(v.as_string(), d)) return Value(d);
    return def;
}

Value filter_round(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("round", 2, {"precision", "method"});
    const std::int64_t precision = opt_int(a, 0, "precision", 0);
    const std::string* method_arg = opt_string(a, 1, "method");
    const std::string method = method_arg ? *method_arg : "common";
    if (method != "common" && method != "ceil" && method != "floor")
        throw Error("method must be common, ceil or floor");
    if (!v.is_number()) throw Error("type " + v.type_name() + " doesn't define __round__ method");
    if (method == "common" && !v.is_float() && precision >= 0) return Value(v.integer());
    const double x = v.number();
    if (std::isnan(x) || std::isinf(x) || precision > 300 || precision < -300) return Value(x);
    if (method != "common") {
        const double scale = std::pow(10.0, static_cast<double>(precision));
        return Value((method == "ceil" ? std::ceil(x * scale) : std::floor(x * scale)) / scale);
    }
    if (precision >= 0) {
        // Correctly rounded decimal text, read back: what Python's round() does.
        char buf[400];
        const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed,
                                       static_cast<int>(precision));
        double back = x;
        std::from_chars(buf, res.ptr, back);
        return Value(back);
    }
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value(std::nearbyint(x / scale) * scale);
}

Value filter_indent(const Value& v, const CallArgs& a, const RenderLimits& limits) {
    a.check("indent", 3, {"width", "first", "blank"});
    std::string indention;
    const Value* width = a.get(0, "width");
    if (width && width->is_string()) {
        indention = width->as_string();
    } else {
        const std::int64_t n = opt_int(a, 0, "width", 4);
        if (n > 10000) throw Error("indent width too large");
        indention.assign(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)), ' ');
    }
    const bool first = arg_truthy(a, 1, "first", false);
    const bool blank = arg_truthy(a, 2, "blank", false);
    std::string s = text_of(v) + "\n";
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::size_t brk = 0;
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
            brk = 2;
        else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f')
            brk = 1;
        if (!brk) continue;
        lines.push_back(s.substr(start, i - start));
        i += brk - 1;
        start = i + 1;
    }
    if (start < s.size()) lines.push_back(s.substr(start));
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i) out += "\n";
        if (i && (blank || !lines[i].empty())) out += indention;
        out += lines[i];
        if (out.size() > limits.max_string_bytes) throw Error("string too long");
    }
    if (first) out = indention + out;
    return Value(std::move(out));
}

// jinja2's title: words start after whitespace or one of -([{<.
Value filter_title(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("title", 0, {});
    std::u32string u = utf8_decode(text_of(v));
    bool word_start = true;
    for (char32_t& c : u) {
        const bool boundary =
            is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        if (boundary) {
            word_start = true;
            continue;
        }
        c = word_start ? to_upper(c) : to_lower(c);
        word_start = false;
    }
    return Value(utf8_encode(u));
}

Value filter_escape(const Value& v, const CallArgs&, const RenderLimits&) {
    std::string out;
    for (char c : text_of(v)) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&#34;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return Value(std::move(out));
}

Value filter_tojson(const Value& v, const CallArgs& a, const RenderLimits& limits) {
    a.check("tojson", 4, {"ensure_ascii", "indent", "separators", "sort_keys"});
    // Hugging Face's signature: tojson(x, ensure_ascii=False, indent=None, separators=None,
    // sort_keys=False)
    JsonDumpOptions o;
    o.ensure_ascii = arg_truthy(a, 0, "ensure_ascii", false);
    const Value* indent = a.get(1, "indent");
    if (indent && !indent->is_none()) {
        if (indent->is_string()) {
            o.indent = indent->as_string();
        } else if (indent->is_int()) {
            if (indent->as_int() > 1000) throw Error("tojson indent too large");
            o.indent = std::string(
                static_cast<std::size_t>(std::max<std::int64_t>(indent->as_int(), 0)), ' ');
        } else {
            throw Error("tojson indent must be an integer or a string");
        }
        o.item_separator.assign(1, ','); // not `= ","`: GCC 12 misreports it (-Wrestrict)
    }
    if (const Value* sep = a.get(2, "separators"); sep && !sep->is_none()) {
        if (!sep->is_list() || sep->as_list()->items.size() != 2 ||
            !sep->as_list()->items[0].is_string() || !sep->as_list()->items[1].is_string())
            throw Error("tojson separators must be a pair of strings");
        o.item_separator = sep->as_list()->items[0].as_string();
        o.key_separator = sep->as_list()->items[1].as_string();
    }
    o.sort_keys = arg_truthy(a, 3, "sort_keys", false);
    std::string out = to_json_text(v, o);
    if (out.size() > limits.max_string_bytes) throw Error("string too long");
    return Value(std::move(out));
}

Value filter_truncate(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("truncate", 4, {"length", "killwords", "end", "leeway"});
    const std::int64_t length = opt_int(a, 0, "length", 255);
    const bool killwords = arg_truthy(a, 1, "killwords", false);
    const std::string* end_arg = opt_string(a, 2, "end");
    const std::string end = end_arg ? *end_arg : "...";
    const std::int64_t leeway = opt_int(a, 3, "leeway", 5);
    const std::u32string s = utf8_decode(text_of(v));
    const auto end_len = static_cast<std::int64_t>(utf8_length(end));
    if (length < end_len) throw Error("expected length >= " + std::to_string(end_len));
    if (static_cast<std::int64_t>(s.size()) <= length + leeway) return Value(text_of(v));
    std::u32string cut = s.substr(0, static_cast<std::size_t>(length - end_len));
    if (!killwords) {
        const std::size_t space = cut.rfind(U' ');
        if (space != std::u32string::npos) cut = cut.substr(0, space);
    }
    return Value(utf8_encode(cut) + end);
}

Value filter_default(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("default", 2, {"default_value", "boolean"});
    const Value* fallback = a.get(0, "default_value");
    const bool boolean = arg_truthy(a, 1, "boolean", false);
    if (v.is_undefined() || (boolean && !v.truthy())) return fallback ? *fallback : Value("");
    return v;
}

#define HOARD_FILTER(...)                                                                          \
    [](const Value& v, const CallArgs& a, const RenderLimits& limits) -> Value {                   \
        (void)v;                                                                                   \
        (void)a;                                                                                   \
        (void)limits;                                                                              \
        __VA_ARGS__                                                                                \
    }

} // namespace

const std::unordered_map<std::string, FilterFn>& text_filters() {
    static const std::unordered_map<std::string, FilterFn> table = {
        {"abs", HOARD_FILTER({
             a.check("abs", 0, {});
             if (v.is_float()) return Value(std::fabs(v.as_float()));
             if (v.is_int() || v.is_bool())
                 return unary_op(v.integer() < 0 ? UnaryOp::Neg : UnaryOp::Pos, Value(v.integer()));
             throw Error("bad operand type for abs(): '" + v.type_name() + "'");
         })},
        {"capitalize",
         HOARD_FILTER(a.check("capitalize", 0, {}); return Value(str_capitalize(text_of(v)));)},
        {"lower", HOARD_FILTER(a.check("lower", 0, {}); return Value(str_lower(text_of(v)));)},
        {"upper", HOARD_FILTER(a.check("upper", 0, {}); return Value(str_upper(text_of(v)));)},
        {"title", filter_title},
        {"trim", HOARD_FILTER({
             a.check("trim", 1, {"chars"});
             return Value(str_strip(text_of(v), opt_string(a, 0, "chars"), true, true));
         })},
        {"string", HOARD_FILTER(a.check("string", 0, {}); return Value(text_of(v));)},
        {"safe",
         HOARD_FILTER(a.check("safe", 0, {}); return v.is_string() ? v : Value(text_of(v));)},
        {"escape", filter_escape},
        {"e", filter_escape},
        {"forceescape", filter_escape},
        {"int", filter_int},
        {"float", filter_float},
        {"round", filter_round},
        {"indent", filter_indent},
        {"tojson", filter_tojson},
        {"truncate", filter_truncate},
        {"default", filter_default},
        {"d", filter_default},
        {"replace", HOARD_FILTER({
             a.check("replace", 3, {"old", "new", "count"});
             const Value* old_v = a.get(0, "old");
             const Value* new_v = a.get(1, "new");
             if (!old_v || !new_v) throw Error("replace() needs old and new");
             return Value(python_replace(text_of(v), old_v->str(), new_v->str(),
                                         opt_int(a, 2, "count", -1), limits.max_string_bytes));
         })},
        {"center", HOARD_FILTER({
             a.check("center", 1, {"width"});
             const std::int64_t width = opt_int(a, 0, "width", 80);
             if (width > 10000) throw Error("center width too large");
             const std::string s = text_of(v);
             const auto len = static_cast<std::int64_t>(utf8_length(s));
             if (width <= len) return Value(s);
             const auto total = static_cast<std::size_t>(width - len);
             const std::size_t left = total / 2 + (total & static_cast<std::size_t>(width) & 1);
             return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
         })},
        {"format", HOARD_FILTER({
             if (!a.keyword.empty()) {
                 Value d = Value::new_dict();
                 for (const auto& [k, kv] : a.keyword) d.as_dict()->set(Value(k), kv);
                 return Value(percent_format(text_of(v), d));
             }
             return Value(percent_format(text_of(v), Value::new_tuple(a.positional)));
         })},
        {"wordcount", HOARD_FILTER({
             a.check("wordcount", 0, {});
             std::int64_t n = 0;
             bool in_word = false;
             for (char32_t c : utf8_decode(text_of(v))) {
                 const bool w = is_alpha(c) || is_digit(c) || c == '_';
                 if (w && !in_word) ++n;
                 in_word = w;
             }
             return Value(n);
         })},
    };
    return table;
}

#undef HOARD_FILTER

FilterFn find_filter(const std::string& name) {
    const auto& text = text_filters();
    if (auto it = text.find(name); it != text.end()) return it->second;
    const auto& seq = sequence_filters();
    if (auto it = seq.find(name); it != seq.end()) return it->second;
    return nullptr;
}

Value apply_filter(const std::string& name, const Value& input, const CallArgs& args,
                   const RenderLimits& limits) {
    const FilterFn f = find_filter(name);
    if (!f) throw Error("no filter named '" + name + "'");
    return f(input, args, limits);
}

} // namespace hoard::templ
