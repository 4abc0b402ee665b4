#include "template/string_methods.hpp"

#include <algorithm>
#include <unordered_map>

#include "hoard/error.hpp"
#include "template/interpreter.hpp"
#include "template/operators.hpp"
#include "template/python_format.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

std::vector<std::string> python_split(const std::string& s, const std::string* sep,
                                      std::int64_t maxsplit, bool from_right) {
    std::vector<std::string> out;
    std::int64_t splits = 0;
    if (sep != nullptr) {
        if (sep->empty()) throw Error("empty separator");
        if (!from_right) {
            std::size_t start = 0;
            while (maxsplit < 0 || splits < maxsplit) {
                const std::size_t p = s.find(*sep, start);
                if (p == std::string::npos) break;
                out.push_back(s.substr(start, p - start));
                start = p + sep->size();
                ++splits;
            }
            out.push_back(s.substr(start));
            return out;
        }
        std::size_t end = s.size();
        while (maxsplit < 0 || splits < maxsplit) {
            if (end < sep->size()) break;
            const std::size_t p = s.rfind(*sep, end - sep->size());
            if (p == std::string::npos) break;
            out.push_back(s.substr(p + sep->size(), end - p - sep->size()));
            end = p;
            ++splits;
        }
        out.push_back(s.substr(0, end));
        std::reverse(out.begin(), out.end());
        return out;
    }
    const std::u32string u = utf8_decode(s);
    const std::size_t n = u.size();
    if (!from_right) {
        std::size_t i = 0;
        while (true) {
            while (i < n && is_space(u[i])) ++i;
            if (i >= n) break;
            if (maxsplit >= 0 && splits == maxsplit) {
                out.push_back(utf8_encode(std::u32string_view(u).substr(i)));
                break;
            }
            std::size_t j = i;
            while (j < n && !is_space(u[j])) ++j;
            out.push_back(utf8_encode(std::u32string_view(u).substr(i, j - i)));
            ++splits;
            i = j;
        }
        return out;
    }
    std::size_t j = n;
    while (true) {
        while (j > 0 && is_space(u[j - 1])) --j;
        if (j == 0) break;
        if (maxsplit >= 0 && splits == maxsplit) {
            out.push_back(utf8_encode(std::u32string_view(u).substr(0, j)));
            break;
        }
        std::size_t i = j;
        while (i > 0 && !is_space(u[i - 1])) --i;
        out.push_back(utf8_encode(std::u32string_view(u).substr(i, j - i)));
        ++splits;
        j = i;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::string python_replace(const std::string& s, const std::string& old, const std::string& with,
                           std::int64_t count, std::size_t max_bytes) {
    std::string out;
    std::int64_t done = 0;
    auto grow = [&](std::string_view piece) {
        if (out.size() + piece.size() > max_bytes) throw Error("string too long");
        out += piece;
    };
    if (old.empty()) {
        const std::u32string u = utf8_decode(s);
        for (char32_t c : u) {
            if (count < 0 || done < count) {
                grow(with);
                ++done;
            }
            std::string ch;
            utf8_append(ch, c);
            grow(ch);
        }
        if (count < 0 || done < count) grow(with);
        return out;
    }
    std::size_t start = 0;
    while (count < 0 || done < count) {
        const std::size_t p = s.find(old, start);
        if (p == std::string::npos) break;
        grow(std::string_view(s).substr(start, p - start));
        grow(with);
        start = p + old.size();
        ++done;
    }
    grow(std::string_view(s).substr(start));
    return out;
}

namespace {

const std::string& self_str(const Value& self) {
    return self.as_string();
}

const std::string& str_arg(const CallArgs& a, std::size_t i, std::string_view name,
                           std::string_view method) {
    const Value* v = a.get(i, name);
    if (!v)
        throw Error(std::string(method) + "() missing required argument '" + std::string(name) +
                    "'");
    if (!v->is_string()) {
        if (v->is_undefined()) throw_undefined(*v);
        throw Error(std::string(method) + "() argument must be str, not " + v->type_name());
    }
    return v->as_string();
}

const std::string* opt_str_arg(const CallArgs& a, std::size_t i, std::string_view name,
                               std::string_view method) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return nullptr;
    return &str_arg(a, i, name, method);
}

std::int64_t opt_int_arg(const CallArgs& a, std::size_t i, std::string_view name,
                         std::int64_t fallback) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return fallback;
    if (!v->is_int() && !v->is_bool()) throw Error("an integer is required, not " + v->type_name());
    return v->integer();
}

// The [start:end] window (code points, Python clamping) of s as a substring.
std::u32string window(const std::string& s, const CallArgs& a, std::size_t first) {
    std::u32string u = utf8_decode(s);
    const auto n = static_cast<std::int64_t>(u.size());
    auto clamp = [&](std::int64_t i) {
        if (i < 0) i = std::max<std::int64_t>(0, i + n);
        return std::min(i, n);
    };
    const std::int64_t b = clamp(opt_int_arg(a, first, "start", 0));
    const std::int64_t e = clamp(opt_int_arg(a, first + 1, "end", n));
    if (e <= b) return {};
    return u.substr(static_cast<std::size_t>(b), static_cast<std::size_t>(e - b));
}

Value affix_test(const Value& self, const CallArgs& a, bool prefix) {
    const char* name = prefix ? "startswith" : "endswith";
    a.check(name, 3, {});
    const Value* what = a.get(0, "prefix");
    if (!what) throw Error(std::string(name) + "() takes at least 1 argument (0 given)");
    std::vector<Value> options;
    if (what->is_tuple())
        options = what->as_list()->items;
    else
        options.push_back(*what);
    const std::string hay =
        a.positional.size() > 1 ? utf8_encode(window(self_str(self), a, 1)) : self_str(self);
    for (const Value& o : options) {
        if (!o.is_string())
            throw Error(std::string(name) + " first arg must be str or a tuple of str, not " +
                        o.type_name());
        const std::string& p = o.as_string();
        if (p.size() > hay.size()) continue;
        if (prefix ? hay.compare(0, p.size(), p) == 0
                   : hay.compare(hay.size() - p.size(), p.size(), p) == 0)
            return Value(true);
    }
    return Value(false);
}

Value find_in(const Value& self, const CallArgs& a, bool reverse, bool must_find) {
    a.check("find", 3, {});
    const std::u32string sub = utf8_decode(str_arg(a, 0, "sub", "find"));
    const std::u32string hay = window(self_str(self), a, 1);
    const std::size_t p = reverse ? hay.rfind(sub) : hay.find(sub);
    if (p == std::u32string::npos) {
        if (must_find) throw Error("substring not found");
        return Value(std::int64_t{-1});
    }
    const auto n = static_cast<std::int64_t>(utf8_length(self_str(self)));
    std::int64_t offset = opt_int_arg(a, 1, "start", 0);
    if (offset < 0) offset = std::max<std::int64_t>(0, offset + n);
    return Value(static_cast<std::int64_t>(p) + std::min(offset, n));
}

template <typename Pred> Value all_chars(const Value& self, Pred pred) {
    const std::u32string u = utf8_decode(self_str(self));
    return Value(!u.empty() && std::all_of(u.begin(), u.end(), pred));
}

Value cased_test(const Value& self, bool upper) {
    bool any = false;
    for (char32_t c : utf8_decode(self_str(self))) {
        if (upper ? is_lower(c) : is_upper(c)) return Value(false);
        if (upper ? is_upper(c) : is_lower(c)) any = true;
    }
    return Value(any);
}

Value justify(const Value& self, const CallArgs& a, char how, const RenderLimits& limits) {
    a.check("justify", 2, {});
    const std::int64_t width = opt_int_arg(a, 0, "width", 0);
    if (width > static_cast<std::int64_t>(limits.max_string_bytes)) throw Error("string too long");
    const std::string* fill = opt_str_arg(a, 1, "fillchar", "justify");
    if (fill && utf8_length(*fill) != 1)
        throw Error("The fill character must be exactly one character long");
    const std::string f = fill ? *fill : " ";
    const std::string& s = self_str(self);
    const auto len = static_cast<std::int64_t>(utf8_length(s));
    if (width <= len) return self;
    const auto total = static_cast<std::size_t>(width - len);
    std::size_t left = how == '<'   ? 0
                       : how == '>' ? total
                                    : total / 2 + (total & static_cast<std::size_t>(width) & 1);
    auto rep = [&](std::size_t k) {
        std::string r;
        for (std::size_t i = 0; i < k; ++i) r += f;
        return r;
    };
    return Value(rep(left) + s + rep(total - left));
}

Value partition(const Value& self, const CallArgs& a, bool from_right) {
    a.check("partition", 1, {});
    const std::string& sep = str_arg(a, 0, "sep", "partition");
    if (sep.empty()) throw Error("empty separator");
    const std::string& s = self_str(self);
    const std::size_t p = from_right ? s.rfind(sep) : s.find(sep);
    if (p == std::string::npos) {
        return from_right ? Value::new_tuple({Value(""), Value(""), self})
                          : Value::new_tuple({self, Value(""), Value("")});
    }
    return Value::new_tuple({Value(s.substr(0, p)), Value(sep), Value(s.substr(p + sep.size()))});
}

Value split_method(const Value& self, const CallArgs& a, bool from_right) {
    a.check("split", 2, {"sep", "maxsplit"});
    const std::string* sep = opt_str_arg(a, 0, "sep", "split");
    const std::int64_t maxsplit = opt_int_arg(a, 1, "maxsplit", -1);
    std::vector<Value> out;
    for (std::string& piece : python_split(self_str(self), sep, maxsplit, from_right))
        out.emplace_back(std::move(piece));
    return Value::new_list(std::move(out));
}

Value strip_method(const Value& self, const CallArgs& a, bool left, bool right) {
    a.check("strip", 1, {"chars"});
    return Value(str_strip(self_str(self), opt_str_arg(a, 0, "chars", "strip"), left, right));
}

#define HOARD_STR_METHOD(...)                                                                      \
    [](const Value& self, const CallArgs& a, const RenderLimits& limits) -> Value {                \
        (void)self;                                                                                \
        (void)a;                                                                                   \
        (void)limits;                                                                              \
        __VA_ARGS__                                                                                \
    }

const std::unordered_map<std::string, MethodFn>& string_methods() {
    static const std::unordered_map<std::string, MethodFn> table = {
        {"strip", HOARD_STR_METHOD(return strip_method(self, a, true, true);)},
        {"lstrip", HOARD_STR_METHOD(return strip_method(self, a, true, false);)},
        {"rstrip", HOARD_STR_METHOD(return strip_method(self, a, false, true);)},
        {"split", HOARD_STR_METHOD(return split_method(self, a, false);)},
        {"rsplit", HOARD_STR_METHOD(return split_method(self, a, true);)},
        {"splitlines", HOARD_STR_METHOD({
             a.check("splitlines", 1, {"keepends"});
             const Value* keep = a.get(0, "keepends");
             const bool keepends = keep && keep->truthy();
             const std::string& s = self_str(self);
             std::vector<Value> out;
             std::size_t start = 0, i = 0;
             while (i < s.size()) {
                 std::size_t brk = 0;
                 if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
                     brk = 2;
                 else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f')
                     brk = 1;
                 if (brk == 0) {
                     ++i;
                     continue;
                 }
                 out.emplace_back(s.substr(start, (keepends ? i + brk : i) - start));
                 i += brk;
                 start = i;
             }
             if (start < s.size()) out.emplace_back(s.substr(start));
             return Value::new_list(std::move(out));
         })},
        {"startswith", HOARD_STR_METHOD(return affix_test(self, a, true);)},
        {"endswith", HOARD_STR_METHOD(return affix_test(self, a, false);)},
        {"replace", HOARD_STR_METHOD({
             a.check("replace", 3, {"count"});
             return Value(python_replace(self_str(self), str_arg(a, 0, "old", "replace"),
                                         str_arg(a, 1, "new", "replace"),
                                         opt_int_arg(a, 2, "count", -1), limits.max_string_bytes));
         })},
        {"upper",
         HOARD_STR_METHOD(a.check("upper", 0, {}); return Value(str_upper(self_str(self)));)},
        {"lower",
         HOARD_STR_METHOD(a.check("lower", 0, {}); return Value(str_lower(self_str(self)));)},
        {"casefold",
         HOARD_STR_METHOD(a.check("casefold", 0, {}); return Value(str_lower(self_str(self)));)},
        {"title",
         HOARD_STR_METHOD(a.check("title", 0, {}); return Value(str_title(self_str(self)));)},
        {"capitalize", HOARD_STR_METHOD(a.check("capitalize", 0, {});
                                        return Value(str_capitalize(self_str(self)));)},
        {"swapcase", HOARD_STR_METHOD({
             a.check("swapcase", 0, {});
             std::u32string u = utf8_decode(self_str(self));
             for (char32_t& c : u) c = is_upper(c) ? to_lower(c) : to_upper(c);
             return Value(utf8_encode(u));
         })},
        {"find", HOARD_STR_METHOD(return find_in(self, a, false, false);)},
        {"rfind", HOARD_STR_METHOD(return find_in(self, a, true, false);)},
        {"index", HOARD_STR_METHOD(return find_in(self, a, false, true);)},
        {"rindex", HOARD_STR_METHOD(return find_in(self, a, true, true);)},
        {"count", HOARD_STR_METHOD({
             a.check("count", 3, {});
             const std::u32string sub = utf8_decode(str_arg(a, 0, "sub", "count"));
             const std::u32string hay = window(self_str(self), a, 1);
             if (sub.empty()) return Value(static_cast<std::int64_t>(hay.size() + 1));
             std::int64_t n = 0;
             for (std::size_t p = hay.find(sub); p != std::u32string::npos;
                  p = hay.find(sub, p + sub.size()))
                 ++n;
             return Value(n);
         })},
        {"format", HOARD_STR_METHOD({
             std::string s = brace_format(self_str(self), a);
             if (s.size() > limits.max_string_bytes) throw Error("string too long");
             return Value(std::move(s));
         })},
        {"join", HOARD_STR_METHOD({
             a.check("join", 1, {});
             const Value* it = a.get(0, "iterable");
             if (!it) throw Error("join() takes exactly one argument (0 given)");
             std::string out;
             std::size_t i = 0;
             for (const Value& v : iterate(*it)) {
                 if (!v.is_string())
                     throw Error("sequence item " + std::to_string(i) +
                                 ": expected str instance, " + v.type_name() + " found");
                 if (i++) out += self_str(self);
                 out += v.as_string();
                 if (out.size() > limits.max_string_bytes) throw Error("string too long");
             }
             return Value(std::move(out));
         })},
        {"isdigit", HOARD_STR_METHOD(a.check("isdigit", 0, {}); return all_chars(self, is_digit);)},
        {"isdecimal",
         HOARD_STR_METHOD(a.check("isdecimal", 0, {}); return all_chars(self, is_digit);)},
        {"isnumeric",
         HOARD_STR_METHOD(a.check("isnumeric", 0, {}); return all_chars(self, is_digit);)},
        {"isalpha", HOARD_STR_METHOD(a.check("isalpha", 0, {}); return all_chars(self, is_alpha);)},
        {"isalnum", HOARD_STR_METHOD({
             a.check("isalnum", 0, {});
             return all_chars(self, [](char32_t c) { return is_alpha(c) || is_digit(c); });
         })},
        {"isspace", HOARD_STR_METHOD(a.check("isspace", 0, {}); return all_chars(self, is_space);)},
        {"isupper", HOARD_STR_METHOD(a.check("isupper", 0, {}); return cased_test(self, true);)},
        {"islower", HOARD_STR_METHOD(a.check("islower", 0, {}); return cased_test(self, false);)},
        {"center", HOARD_STR_METHOD(return justify(self, a, '^', limits);)},
        {"ljust", HOARD_STR_METHOD(return justify(self, a, '<', limits);)},
        {"rjust", HOARD_STR_METHOD(return justify(self, a, '>', limits);)},
        {"zfill", HOARD_STR_METHOD({
             a.check("zfill", 1, {});
             const std::int64_t width = opt_int_arg(a, 0, "width", 0);
             if (width > static_cast<std::int64_t>(limits.max_string_bytes))
                 throw Error("string too long");
             std::string s = self_str(self);
             const auto len = static_cast<std::int64_t>(utf8_length(s));
             if (width <= len) return self;
             const std::size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
             s.insert(at, static_cast<std::size_t>(width - len), '0');
             return Value(std::move(s));
         })},
        {"partition", HOARD_STR_METHOD(return partition(self, a, false);)},
        {"rpartition", HOARD_STR_METHOD(return partition(self, a, true);)},
        {"removeprefix", HOARD_STR_METHOD({
             a.check("removeprefix", 1, {});
             const std::string& p = str_arg(a, 0, "prefix", "removeprefix");
             const std::string& s = self_str(self);
             return s.compare(0, p.size(), p) == 0 ? Value(s.substr(p.size())) : self;
         })},
        {"removesuffix", HOARD_STR_METHOD({
             a.check("removesuffix", 1, {});
             const std::string& p = str_arg(a, 0, "suffix", "removesuffix");
             const std::string& s = self_str(self);
             if (p.empty() || p.size() > s.size() ||
                 s.compare(s.size() - p.size(), p.size(), p) != 0)
                 return self;
             return Value(s.substr(0, s.size() - p.size()));
         })},
    };
    return table;
}

#undef HOARD_STR_METHOD

} // namespace

MethodFn find_string_method(const std::string& name) {
    const auto& table = string_methods();
    const auto it = table.find(name);
    return it == table.end() ? nullptr : it->second;
}

} // namespace hoard::templ
