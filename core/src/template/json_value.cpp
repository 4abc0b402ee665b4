#include "template/json_value.hpp"

#include <algorithm>
#include <cmath>

#include "hoard/error.hpp"
#include "template/python_format.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

namespace {

Value from_json_at(const nlohmann::ordered_json& j, int depth) {
    if (depth > kMaxValueDepth) throw Error("context nested too deeply");
    switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
        return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
        return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
        return Value(j.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
        const auto u = j.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
        return Value(static_cast<std::int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
        return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
        return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
        std::vector<Value> items;
        items.reserve(j.size());
        for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
        return Value::new_list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
        Value d = Value::new_dict();
        auto& items = d.as_dict()->items;
        items.reserve(j.size());
        for (auto it = j.begin(); it != j.end(); ++it)
            items.emplace_back(Value(it.key()), from_json_at(it.value(), depth + 1));
        return d;
    }
    default:
        return Value::none(); // binary and discarded values have no template meaning
    }
}

void append_u_escape(std::string& out, unsigned v) {
    static const char* hex = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(v >> shift) & 0xF];
}

// Escapes as json.dumps does: control characters, quote and backslash always;
// everything beyond ASCII only when ensure_ascii is set.
void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
    out += '"';
    const std::u32string decoded = ensure_ascii ? utf8_decode(s) : std::u32string();
    const std::size_t n = ensure_ascii ? decoded.size() : s.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char32_t c = ensure_ascii ? decoded[i] : static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                append_u_escape(out, static_cast<unsigned>(c));
            } else if (!ensure_ascii) {
                out += s[i];
            } else if (c < 0x80) {
                out += static_cast<char>(c);
            } else if (c >= 0x10000) {
                const char32_t v = c - 0x10000;
                append_u_escape(out, 0xD800 + static_cast<unsigned>(v >> 10));
                append_u_escape(out, 0xDC00 + static_cast<unsigned>(v & 0x3FF));
            } else {
                append_u_escape(out, static_cast<unsigned>(c));
            }
        }
    }
    out += '"';
}

struct Dumper {
    const JsonDumpOptions& options;
    std::string out;

    void newline(int level) {
        out += '\n';
        for (int i = 0; i < level; ++i) out += *options.indent;
    }

    void key(const Value& k) {
        switch (k.kind()) {
        case Value::Kind::String:
            append_json_string(out, k.as_string(), options.ensure_ascii);
            return;
        case Value::Kind::Bool:
            out += k.as_bool() ? "\"true\"" : "\"false\"";
            return;
        case Value::Kind::None:
            out += "\"null\"";
            return;
        case Value::Kind::Int:
        case Value::Kind::Float:
            out += '"' + number_text(k) + '"';
            return;
        default:
            throw Error("tojson: keys must be str, int, float, bool or None, not " + k.type_name());
        }
    }

    static std::string number_text(const Value& v) {
        if (!v.is_float()) return std::to_string(v.integer());
        const double d = v.as_float();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
        return float_repr(d);
    }

    void value(const Value& v, int level) {
        if (level > kMaxValueDepth) throw Error("tojson: value nested too deeply");
        switch (v.kind()) {
        case Value::Kind::None:
            out += "null";
            return;
        case Value::Kind::Bool:
            out += v.as_bool() ? "true" : "false";
            return;
        case Value::Kind::Int:
        case Value::Kind::Float:
            out += number_text(v);
            return;
        case Value::Kind::String:
            append_json_string(out, v.as_string(), options.ensure_ascii);
            return;
        case Value::Kind::List: {
            const auto& items = v.as_list()->items;
            if (items.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (i) out += options.item_separator;
                if (options.indent) newline(level + 1);
                value(items[i], level + 1);
            }
            if (options.indent) newline(level);
            out += ']';
            return;
        }
        case Value::Kind::Dict: {
            if (v.is_namespace()) break;
            std::vector<const std::pair<Value, Value>*> items;
            for (const auto& item : v.as_dict()->items) items.push_back(&item);
            if (items.empty()) {
                out += "{}";
                return;
            }
            if (options.sort_keys) {
                std::stable_sort(items.begin(), items.end(), [](const auto* a, const auto* b) {
                    return value_less(a->first, b->first);
                });
            }
            out += '{';
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (i) out += options.item_separator;
                if (options.indent) newline(level + 1);
                key(items[i]->first);
                out += options.key_separator;
                value(items[i]->second, level + 1);
            }
            if (options.indent) newline(level);
            out += '}';
            return;
        }
        default:
            break;
        }
        throw Error("tojson: Object of type " + v.type_name() + " is not JSON serializable");
    }
};

} // namespace

Value from_json(const nlohmann::ordered_json& j) {
    return from_json_at(j, 0);
}

std::string to_json_text(const Value& value, const JsonDumpOptions& options) {
    Dumper d{options, {}};
    d.value(value, 0);
    return std::move(d.out);
}

} // namespace hoard::templ
