#include "template/value.hpp"

#include "hoard/error.hpp"
#include "template/python_format.hpp"
#include "template/render_arena.hpp"

namespace hoard::templ {

// Not make_shared: the arena's weak_ptrs would keep a dead object's memory
// until the render ends; a separate control block lets it go at once.
Value Value::new_list(std::vector<Value> items) {
    ListPtr l(new List{std::move(items), false});
    RenderArena::track(l);
    return Value(std::move(l));
}

Value Value::new_tuple(std::vector<Value> items) {
    ListPtr l(new List{std::move(items), true});
    RenderArena::track(l);
    return Value(std::move(l));
}

Value Value::new_dict() {
    DictPtr d(new Dict());
    RenderArena::track(d);
    return Value(std::move(d));
}

bool Value::is_tuple() const {
    return is_list() && as_list()->is_tuple;
}
bool Value::is_namespace() const {
    return is_dict() && as_dict()->is_namespace;
}

bool Value::truthy() const {
    switch (kind()) {
    case Kind::Undefined:
    case Kind::None:
        return false;
    case Kind::Bool:
        return as_bool();
    case Kind::Int:
        return as_int() != 0;
    case Kind::Float:
        return as_float() != 0.0;
    case Kind::String:
        return !as_string().empty();
    case Kind::List:
        return !as_list()->items.empty();
    case Kind::Dict:
        return is_namespace() || !as_dict()->items.empty();
    case Kind::Function:
        return true;
    }
    return false;
}

namespace {

void append_repr(std::string& out, const Value& v, int depth);

void append_container(std::string& out, const Value& v, int depth) {
    if (depth > kMaxValueDepth) throw Error("value nested too deeply to print");
    if (v.is_list()) {
        const List& l = *v.as_list();
        out += l.is_tuple ? '(' : '[';
        for (std::size_t i = 0; i < l.items.size(); ++i) {
            if (i) out += ", ";
            append_repr(out, l.items[i], depth + 1);
        }
        if (l.is_tuple && l.items.size() == 1) out += ',';
        out += l.is_tuple ? ')' : ']';
        return;
    }
    const Dict& d = *v.as_dict();
    if (d.is_namespace) out += "<Namespace ";
    out += '{';
    for (std::size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        append_repr(out, d.items[i].first, depth + 1);
        out += ": ";
        append_repr(out, d.items[i].second, depth + 1);
    }
    out += '}';
    if (d.is_namespace) out += '>';
}

void append_repr(std::string& out, const Value& v, int depth) {
    switch (v.kind()) {
    case Value::Kind::String:
        out += string_repr(v.as_string());
        return;
    case Value::Kind::List:
    case Value::Kind::Dict:
        append_container(out, v, depth);
        return;
    default:
        out += v.str();
        return;
    }
}

} // namespace

std::string Value::str() const {
    switch (kind()) {
    case Kind::Undefined:
        return {};
    case Kind::None:
        return "None";
    case Kind::Bool:
        return as_bool() ? "True" : "False";
    case Kind::Int:
        return std::to_string(as_int());
    case Kind::Float:
        return float_repr(as_float());
    case Kind::String:
        return as_string();
    case Kind::List:
    case Kind::Dict: {
        std::string out;
        append_container(out, *this, 0);
        return out;
    }
    case Kind::Function:
        return "<function " + as_function()->name + ">";
    }
    return {};
}

std::string Value::repr() const {
    std::string out;
    append_repr(out, *this, 0);
    return out;
}

std::string Value::type_name() const {
    switch (kind()) {
    case Kind::Undefined:
        return "Undefined";
    case Kind::None:
        return "NoneType";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::List:
        return is_tuple() ? "tuple" : "list";
    case Kind::Dict:
        return is_namespace() ? "Namespace" : "dict";
    case Kind::Function:
        return "function";
    }
    return "object";
}

namespace {

bool equal_at(const Value& a, const Value& b, int depth) {
    if (depth > kMaxValueDepth) throw Error("value nested too deeply to compare");
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.number() == b.number();
        return a.integer() == b.integer();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
        return true;
    case Value::Kind::String:
        return a.as_string() == b.as_string();
    case Value::Kind::List: {
        const List& x = *a.as_list();
        const List& y = *b.as_list();
        if (&x == &y) return true;
        if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
        for (std::size_t i = 0; i < x.items.size(); ++i) {
            if (!equal_at(x.items[i], y.items[i], depth + 1)) return false;
        }
        return true;
    }
    case Value::Kind::Dict: {
        const Dict& x = *a.as_dict();
        const Dict& y = *b.as_dict();
        if (&x == &y) return true;
        if (x.is_namespace || y.is_namespace) return false;
        if (x.items.size() != y.items.size()) return false;
        for (const auto& [k, v] : x.items) {
            const Value* other = y.find(k);
            if (!other || !equal_at(v, *other, depth + 1)) return false;
        }
        return true;
    }
    case Value::Kind::Function:
        return a.as_function() == b.as_function();
    default:
        return false;
    }
}

[[noreturn]] void unorderable(const Value& a, const Value& b) {
    throw Error("'<' not supported between instances of '" + a.type_name() + "' and '" +
                b.type_name() + "'");
}

bool less_at(const Value& a, const Value& b, int depth) {
    if (depth > kMaxValueDepth) throw Error("value nested too deeply to compare");
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.number() < b.number();
        return a.integer() < b.integer();
    }
    if (a.is_string() && b.is_string())
        return a.as_string() < b.as_string(); // UTF-8 keeps code-point order
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
        const auto& x = a.as_list()->items;
        const auto& y = b.as_list()->items;
        for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (!equal_at(x[i], y[i], depth + 1)) return less_at(x[i], y[i], depth + 1);
        }
        return x.size() < y.size();
    }
    unorderable(a, b);
}

} // namespace

bool values_equal(const Value& a, const Value& b) {
    return equal_at(a, b, 0);
}
bool value_less(const Value& a, const Value& b) {
    return less_at(a, b, 0);
}

const Value* Dict::find(const Value& key) const {
    if (key.is_string()) return find_key(key.as_string());
    for (const auto& [k, v] : items) {
        if (values_equal(k, key)) return &v;
    }
    return nullptr;
}

Value* Dict::find(const Value& key) {
    return const_cast<Value*>(static_cast<const Dict*>(this)->find(key));
}

const Value* Dict::find_key(std::string_view key) const {
    for (const auto& [k, v] : items) {
        if (k.is_string() && k.as_string() == key) return &v;
    }
    return nullptr;
}

void Dict::set(Value key, Value value) {
    if (Value* existing = find(key)) {
        *existing = std::move(value);
        return;
    }
    items.emplace_back(std::move(key), std::move(value));
}

bool Dict::erase(const Value& key) {
    for (auto it = items.begin(); it != items.end(); ++it) {
        if (values_equal(it->first, key)) {
            items.erase(it);
            return true;
        }
    }
    return false;
}

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
    if (index < positional.size()) return &positional[index];
    for (const auto& [k, v] : keyword) {
        if (k == name) return &v;
    }
    return nullptr;
}

void CallArgs::check(std::string_view function, std::size_t max_positional,
                     std::initializer_list<std::string_view> names) const {
    if (positional.size() > max_positional) {
        throw Error(std::string(function) + "() takes at most " + std::to_string(max_positional) +
                    " positional arguments (" + std::to_string(positional.size()) + " given)");
    }
    for (const auto& [k, v] : keyword) {
        bool known = false;
        std::size_t position = 0;
        for (std::string_view n : names) {
            if (n == k) {
                known = true;
                break;
            }
            ++position;
        }
        if (!known) {
            throw Error(std::string(function) + "() got an unexpected keyword argument '" + k +
                        "'");
        }
        if (position < positional.size()) {
            throw Error(std::string(function) + "() got multiple values for argument '" + k + "'");
        }
    }
}

Value make_function(std::string name, std::function<Value(const CallArgs&)> call) {
    FunctionPtr f(new Function{std::move(name), std::move(call)});
    RenderArena::track(f);
    return Value(std::move(f));
}

} // namespace hoard::templ
