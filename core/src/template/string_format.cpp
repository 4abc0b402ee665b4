// Python's two string formatting mini-languages: `fmt % args` and str.format().
#include <cmath>

#include "hoard/error.hpp"
#include "template/python_format.hpp"

namespace hoard::templ {

namespace {

constexpr int kMaxFieldDigits = 4; // widths and precisions beyond 9999 are refused

Value integer_for_format(const Value& v, char conversion) {
    if (v.is_float()) {
        const double d = v.as_float();
        if (std::isnan(d) || std::isinf(d) || std::fabs(d) > 9.2e18)
            throw Error("cannot convert float to integer for %" + std::string(1, conversion));
        return Value(static_cast<std::int64_t>(d));
    }
    if (v.is_number()) return Value(v.integer());
    throw Error("%" + std::string(1, conversion) + " format: a real number is required, not " +
                v.type_name());
}

} // namespace

std::string percent_format(std::string_view format, const Value& args) {
    std::vector<Value> values;
    const Value* mapping = nullptr;
    if (args.is_tuple()) {
        values = args.as_list()->items;
    } else {
        values.push_back(args);
        if (args.is_mapping()) mapping = &args;
    }
    std::size_t next = 0;
    bool used_mapping = false;
    auto take = [&]() -> const Value& {
        if (next >= values.size()) throw Error("not enough arguments for format string");
        return values[next++];
    };
    std::string out;
    std::size_t i = 0;
    while (i < format.size()) {
        const char c = format[i];
        if (c != '%') {
            out += c;
            ++i;
            continue;
        }
        if (++i >= format.size()) throw Error("incomplete format");
        const Value* named = nullptr;
        if (format[i] == '(') {
            const std::size_t close = format.find(')', i);
            if (close == std::string_view::npos) throw Error("incomplete format key");
            if (!mapping) throw Error("format requires a mapping");
            const std::string key(format.substr(i + 1, close - i - 1));
            named = mapping->as_dict()->find_key(key);
            if (!named) throw Error("format key '" + key + "' not found");
            used_mapping = true;
            i = close + 1;
        }
        std::string flags;
        while (i < format.size() &&
               std::string_view("-+ #0").find(format[i]) != std::string_view::npos)
            flags += format[i++];
        std::string width, precision;
        auto read_count = [&](std::string& into) {
            if (i < format.size() && format[i] == '*') {
                const Value& w = take();
                if (!w.is_int()) throw Error("* wants int");
                into = std::to_string(w.as_int());
                ++i;
                return;
            }
            while (i < format.size() && format[i] >= '0' && format[i] <= '9') into += format[i++];
            if (into.size() > kMaxFieldDigits) throw Error("format width too large");
        };
        read_count(width);
        if (i < format.size() && format[i] == '.') {
            ++i;
            read_count(precision);
            if (precision.empty()) precision = "0";
        }
        while (i < format.size() && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L')) ++i;
        if (i >= format.size()) throw Error("incomplete format");
        const char conv = format[i++];
        if (conv == '%') {
            out += '%';
            continue;
        }
        const Value& v = named ? *named : take();
        const bool left = flags.find('-') != std::string::npos;
        std::string sign;
        if (flags.find('+') != std::string::npos)
            sign = "+";
        else if (flags.find(' ') != std::string::npos)
            sign = " ";
        const bool alternate = flags.find('#') != std::string::npos;
        const bool zero = flags.find('0') != std::string::npos && !left;
        if (width.size() > 0 && width[0] == '-') { // a negative * width means left-justify
            width.erase(0, 1);
        }
        std::string spec;
        switch (conv) {
        case 's':
        case 'r':
        case 'a': {
            const std::string text = conv == 's' ? v.str() : v.repr();
            spec =
                std::string(left ? "<" : ">") + width + (precision.empty() ? "" : "." + precision);
            out += format_with_spec(Value(text), spec);
            break;
        }
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'o':
        case 'c': {
            const Value n = conv == 'c' && v.is_string() ? v : integer_for_format(v, conv);
            if (conv == 'c' && n.is_string()) {
                out += format_with_spec(n, std::string(left ? "<" : ">") + width);
                break;
            }
            const char type = (conv == 'i' || conv == 'u') ? 'd' : conv;
            spec = std::string(left ? "<" : "") + sign + (alternate ? "#" : "") +
                   (zero ? "0" : "") + width + type;
            out += format_with_spec(n, spec);
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G': {
            if (!v.is_number()) {
                throw Error("must be real number, not " + v.type_name());
            }
            spec = std::string(left ? "<" : "") + sign + (alternate ? "#" : "") +
                   (zero ? "0" : "") + width + "." + (precision.empty() ? "6" : precision) + conv;
            out += format_with_spec(Value(v.number()), spec);
            break;
        }
        default:
            throw Error("unsupported format character '" + std::string(1, conv) + "'");
        }
    }
    if (next < values.size() && !used_mapping && !mapping)
        throw Error("not all arguments converted during string formatting");
    return out;
}

namespace {

// Follows ".attr" and "[key]" parts of a str.format() field name.
Value resolve_field_path(Value v, std::string_view path) {
    std::size_t i = 0;
    while (i < path.size()) {
        std::string key;
        bool bracket = path[i] == '[';
        if (bracket) {
            const std::size_t close = path.find(']', i);
            if (close == std::string_view::npos) throw Error("missing ']' in format field");
            key = std::string(path.substr(i + 1, close - i - 1));
            i = close + 1;
        } else if (path[i] == '.') {
            std::size_t j = i + 1;
            while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
            key = std::string(path.substr(i + 1, j - i - 1));
            i = j;
        } else {
            throw Error("bad format field");
        }
        if (v.is_list() && bracket && !key.empty() &&
            key.find_first_not_of("0123456789") == std::string::npos) {
            const auto idx = std::stoull(key.substr(0, 9));
            if (idx >= v.as_list()->items.size()) throw Error("format index out of range");
            v = v.as_list()->items[idx];
        } else if (v.is_dict()) {
            const Value* found = v.as_dict()->find_key(key);
            if (!found) throw Error("format key '" + key + "' not found");
            v = *found;
        } else {
            throw Error("cannot look up '" + key + "' in " + v.type_name());
        }
    }
    return v;
}

} // namespace

std::string brace_format(std::string_view format, const CallArgs& args) {
    std::string out;
    std::size_t auto_index = 0;
    std::size_t i = 0;
    auto lookup = [&](std::string_view field) -> Value {
        std::size_t end = 0;
        while (end < field.size() && field[end] != '.' && field[end] != '[') ++end;
        const std::string_view name = field.substr(0, end);
        Value v;
        if (name.empty() || name.find_first_not_of("0123456789") == std::string_view::npos) {
            const std::size_t index =
                name.empty() ? auto_index++ : std::stoull(std::string(name.substr(0, 9)));
            if (index >= args.positional.size())
                throw Error("format index " + std::to_string(index) + " out of range");
            v = args.positional[index];
        } else {
            const Value* found = nullptr;
            for (const auto& [k, kv] : args.keyword) {
                if (k == name) found = &kv;
            }
            if (!found) throw Error("format key '" + std::string(name) + "' not given");
            v = *found;
        }
        return resolve_field_path(v, field.substr(end));
    };
    while (i < format.size()) {
        const char c = format[i];
        if (c == '}') {
            if (i + 1 < format.size() && format[i + 1] == '}') {
                out += '}';
                i += 2;
                continue;
            }
            throw Error("single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            ++i;
            continue;
        }
        if (i + 1 < format.size() && format[i + 1] == '{') {
            out += '{';
            i += 2;
            continue;
        }
        // Find the matching '}', allowing one level of nested fields in the spec.
        std::size_t j = i + 1;
        int depth = 1;
        while (j < format.size() && depth > 0) {
            if (format[j] == '{')
                ++depth;
            else if (format[j] == '}')
                --depth;
            if (depth > 0) ++j;
        }
        if (j >= format.size()) throw Error("expected '}' before end of format string");
        const std::string_view field = format.substr(i + 1, j - i - 1);
        i = j + 1;
        std::size_t colon = field.find(':');
        std::string_view head = field.substr(0, colon);
        std::string spec =
            colon == std::string_view::npos ? "" : std::string(field.substr(colon + 1));
        char conversion = 0;
        if (const std::size_t bang = head.find('!'); bang != std::string_view::npos) {
            if (bang + 2 != head.size()) throw Error("bad conversion in format field");
            conversion = head[bang + 1];
            head = head.substr(0, bang);
        }
        if (spec.find('{') != std::string::npos) spec = brace_format(spec, args);
        Value v = lookup(head);
        if (conversion == 'r' || conversion == 'a')
            v = Value(v.repr());
        else if (conversion == 's')
            v = Value(v.str());
        else if (conversion != 0)
            throw Error("unknown conversion in format field");
        out += format_with_spec(v, spec);
    }
    return out;
}

} // namespace hoard::templ
