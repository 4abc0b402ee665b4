// Attribute and item access, and slicing, with jinja2's rules: a missing
// attribute or key is an Undefined that only fails when it is really used.
#include "hoard/error.hpp"
#include "template/interpreter.hpp"
#include "template/methods.hpp"
#include "template/operators.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

namespace {

std::string object_description(const Value& v) {
    if (v.is_none()) return "'None'";
    std::string s = "'";
    s += v.type_name(); // appended piecewise: GCC 12 misreports `"'" + str` under -O3 (-Wrestrict)
    s += " object'";
    return s;
}

const RenderLimits& default_limits() {
    static const RenderLimits limits;
    return limits;
}

} // namespace

std::string no_attribute_hint(const Value& object, const std::string& name) {
    return object_description(object) + " has no attribute '" + name + "'";
}

Value get_attribute(const Value& obj, const std::string& name) {
    if (obj.is_undefined()) throw_undefined(obj);
    if (obj.is_dict()) {
        const Dict& d = *obj.as_dict();
        // jinja2 tries the Python attribute first, so `d.items` is the method.
        if (!d.is_namespace && has_method(obj, name))
            return bound_method(obj, name, default_limits());
        if (const Value* v = d.find_key(name)) return *v;
        return Value::undefined(no_attribute_hint(obj, name));
    }
    if ((obj.is_string() || obj.is_list()) && has_method(obj, name))
        return bound_method(obj, name, default_limits());
    return Value::undefined(no_attribute_hint(obj, name));
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) throw_undefined(obj);
    if (obj.is_dict()) {
        if (const Value* v = obj.as_dict()->find(key)) return *v;
    } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
        std::int64_t i = key.integer();
        if (obj.is_list()) {
            const auto& items = obj.as_list()->items;
            const auto n = static_cast<std::int64_t>(items.size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return items[static_cast<std::size_t>(i)];
        } else {
            const std::string& s = obj.as_string();
            if (is_ascii(s)) {
                const auto n = static_cast<std::int64_t>(s.size());
                if (i < 0) i += n;
                if (i >= 0 && i < n) return Value(s.substr(static_cast<std::size_t>(i), 1));
            } else {
                const std::u32string u = utf8_decode(s);
                const auto n = static_cast<std::int64_t>(u.size());
                if (i < 0) i += n;
                if (i >= 0 && i < n)
                    return Value(utf8_encode(u.substr(static_cast<std::size_t>(i), 1)));
            }
        }
        return Value::undefined(object_description(obj) + " has no element " + key.repr());
    }
    if (key.is_string()) {
        Value attr = get_attribute(obj, key.as_string());
        if (!attr.is_undefined()) return attr;
        return Value::undefined(no_attribute_hint(obj, key.as_string()));
    }
    return Value::undefined(object_description(obj) + " has no element " + key.repr());
}

namespace {

std::int64_t slice_index(const Value* v, std::int64_t fallback) {
    if (v == nullptr || v->is_none()) return fallback;
    if (v->is_int() || v->is_bool()) return v->integer();
    if (v->is_undefined()) throw_undefined(*v);
    throw Error("slice indices must be integers or None");
}

// Python's slice.indices(): clamps start/stop for a sequence of length n.
std::vector<std::size_t> slice_positions(std::int64_t n, const Value* start, const Value* stop,
                                         const Value* step_value) {
    const std::int64_t step = slice_index(step_value, 1);
    if (step == 0) throw Error("slice step cannot be zero");
    const std::int64_t lower = step < 0 ? -1 : 0;
    const std::int64_t upper = step < 0 ? n - 1 : n;
    auto clamp = [&](const Value* v, std::int64_t fallback) {
        if (v == nullptr || v->is_none()) return fallback;
        std::int64_t i = slice_index(v, 0);
        if (i < 0) {
            i += n;
            if (i < lower) i = lower;
        } else if (i > upper) {
            i = upper;
        }
        return i;
    };
    const std::int64_t b = clamp(start, step < 0 ? upper : lower);
    const std::int64_t e = clamp(stop, step < 0 ? lower : upper);
    std::vector<std::size_t> positions;
    if (step > 0) {
        for (std::int64_t i = b; i < e; i += step) positions.push_back(static_cast<std::size_t>(i));
    } else {
        for (std::int64_t i = b; i > e; i += step) positions.push_back(static_cast<std::size_t>(i));
    }
    return positions;
}

} // namespace

Value slice_value(const Value& obj, const Value* start, const Value* stop, const Value* step) {
    if (obj.is_undefined()) throw_undefined(obj);
    if (obj.is_list()) {
        const auto& items = obj.as_list()->items;
        std::vector<Value> out;
        for (std::size_t i :
             slice_positions(static_cast<std::int64_t>(items.size()), start, stop, step))
            out.push_back(items[i]);
        return obj.is_tuple() ? Value::new_tuple(std::move(out)) : Value::new_list(std::move(out));
    }
    if (obj.is_string()) {
        const std::string& s = obj.as_string();
        std::string out;
        if (is_ascii(s)) {
            for (std::size_t i :
                 slice_positions(static_cast<std::int64_t>(s.size()), start, stop, step))
                out += s[i];
        } else {
            const std::u32string u = utf8_decode(s);
            for (std::size_t i :
                 slice_positions(static_cast<std::int64_t>(u.size()), start, stop, step))
                utf8_append(out, u[i]);
        }
        return Value(std::move(out));
    }
    // jinja2 slices with Python's own subscript, so this is a TypeError there too.
    throw Error("'" + obj.type_name() + "' object is not subscriptable");
}

} // namespace hoard::templ
