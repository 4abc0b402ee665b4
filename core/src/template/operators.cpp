#include "template/operators.hpp"

#include <cmath>
#include <limits>

#include "hoard/error.hpp"
#include "template/interpreter.hpp"
#include "template/python_format.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

void throw_undefined(const Value& v) {
    const std::string& hint = v.undefined_hint();
    throw Error(hint.empty() ? "a value is undefined" : hint);
}

namespace {

const char* op_symbol(BinaryOp op) {
    switch (op) {
    case BinaryOp::Add:
        return "+";
    case BinaryOp::Sub:
        return "-";
    case BinaryOp::Mul:
        return "*";
    case BinaryOp::Div:
        return "/";
    case BinaryOp::FloorDiv:
        return "//";
    case BinaryOp::Mod:
        return "%";
    case BinaryOp::Pow:
        return "** or pow()";
    default:
        return "?";
    }
}

[[noreturn]] void unsupported(BinaryOp op, const Value& a, const Value& b) {
    throw Error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                a.type_name() + "' and '" + b.type_name() + "'");
}

[[noreturn]] void overflow() {
    throw Error("integer result too large");
}

Value repeat(const Value& seq, std::int64_t n, const RenderLimits& limits) {
    if (n <= 0)
        return seq.is_string() ? Value(std::string())
                               : Value(seq.is_tuple() ? Value::new_tuple({}) : Value::new_list());
    const auto count = static_cast<std::uint64_t>(n);
    if (seq.is_string()) {
        const std::string& s = seq.as_string();
        if (!s.empty() && count > limits.max_string_bytes / s.size())
            throw Error("string too long");
        std::string out;
        out.reserve(s.size() * count);
        for (std::uint64_t i = 0; i < count; ++i) out += s;
        return Value(std::move(out));
    }
    const auto& items = seq.as_list()->items;
    if (!items.empty() && count > limits.max_list_items / items.size())
        throw Error("list too long");
    std::vector<Value> out;
    out.reserve(items.size() * count);
    for (std::uint64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
    return seq.is_tuple() ? Value::new_tuple(std::move(out)) : Value::new_list(std::move(out));
}

std::int64_t python_int_mod(std::int64_t a, std::int64_t b) {
    const std::int64_t m = a % b;
    return (m != 0 && ((m < 0) != (b < 0))) ? m + b : m;
}

std::int64_t python_int_floordiv(std::int64_t a, std::int64_t b) {
    if (a == std::numeric_limits<std::int64_t>::min() && b == -1) overflow();
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

double python_float_mod(double a, double b) {
    double m = std::fmod(a, b);
    if (m != 0.0 && ((m < 0) != (b < 0)))
        m += b;
    else if (m == 0.0)
        m = std::copysign(0.0, b);
    return m;
}

Value arithmetic(BinaryOp op, const Value& a, const Value& b) {
    if (!a.is_float() && !b.is_float()) {
        const std::int64_t x = a.integer(), y = b.integer();
        std::int64_t r = 0;
        switch (op) {
        case BinaryOp::Add:
            if (__builtin_add_overflow(x, y, &r)) overflow();
            return Value(r);
        case BinaryOp::Sub:
            if (__builtin_sub_overflow(x, y, &r)) overflow();
            return Value(r);
        case BinaryOp::Mul:
            if (__builtin_mul_overflow(x, y, &r)) overflow();
            return Value(r);
        case BinaryOp::Div:
            if (y == 0) throw Error("division by zero");
            return Value(static_cast<double>(x) / static_cast<double>(y));
        case BinaryOp::FloorDiv:
            if (y == 0) throw Error("integer division or modulo by zero");
            return Value(python_int_floordiv(x, y));
        case BinaryOp::Mod:
            if (y == 0) throw Error("integer division or modulo by zero");
            if (y == -1) return Value(std::int64_t{0});
            return Value(python_int_mod(x, y));
        case BinaryOp::Pow: {
            if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
            std::int64_t result = 1, base = x;
            for (std::int64_t e = y; e > 0; e >>= 1) {
                if (e & 1)
                    if (__builtin_mul_overflow(result, base, &result)) overflow();
                if (e > 1)
                    if (__builtin_mul_overflow(base, base, &base)) overflow();
            }
            return Value(result);
        }
        default:
            break;
        }
    }
    const double x = a.number(), y = b.number();
    switch (op) {
    case BinaryOp::Add:
        return Value(x + y);
    case BinaryOp::Sub:
        return Value(x - y);
    case BinaryOp::Mul:
        return Value(x * y);
    case BinaryOp::Div:
        if (y == 0) throw Error("float division by zero");
        return Value(x / y);
    case BinaryOp::FloorDiv:
        if (y == 0) throw Error("float floor division by zero");
        return Value(std::floor((x - python_float_mod(x, y)) / y + 0.5));
    case BinaryOp::Mod:
        if (y == 0) throw Error("float modulo");
        return Value(python_float_mod(x, y));
    case BinaryOp::Pow:
        return Value(std::pow(x, y));
    default:
        break;
    }
    unsupported(op, a, b);
}

} // namespace

Value binary_op(BinaryOp op, const Value& a, const Value& b, const RenderLimits& limits) {
    if (op == BinaryOp::Concat) {
        std::string s = a.str();
        std::string t = b.str();
        if (s.size() + t.size() > limits.max_string_bytes) throw Error("string too long");
        return Value(s + t);
    }
    if (a.is_undefined()) throw_undefined(a);
    if (b.is_undefined()) throw_undefined(b);
    if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
    switch (op) {
    case BinaryOp::Add:
        if (a.is_string() && b.is_string()) {
            if (a.as_string().size() + b.as_string().size() > limits.max_string_bytes)
                throw Error("string too long");
            return Value(a.as_string() + b.as_string());
        }
        if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
            const auto& x = a.as_list()->items;
            const auto& y = b.as_list()->items;
            if (x.size() + y.size() > limits.max_list_items) throw Error("list too long");
            std::vector<Value> out;
            out.reserve(x.size() + y.size());
            out.insert(out.end(), x.begin(), x.end());
            out.insert(out.end(), y.begin(), y.end());
            return a.is_tuple() ? Value::new_tuple(std::move(out))
                                : Value::new_list(std::move(out));
        }
        if (a.is_string() || a.is_list()) {
            throw Error("can only concatenate " + a.type_name() + " (not \"" + b.type_name() +
                        "\") to " + a.type_name());
        }
        break;
    case BinaryOp::Mul:
        if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool()))
            return repeat(a, b.integer(), limits);
        if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool()))
            return repeat(b, a.integer(), limits);
        break;
    case BinaryOp::Mod:
        if (a.is_string()) {
            std::string s = percent_format(a.as_string(), b);
            if (s.size() > limits.max_string_bytes) throw Error("string too long");
            return Value(std::move(s));
        }
        break;
    default:
        break;
    }
    unsupported(op, a, b);
}

Value unary_op(UnaryOp op, const Value& v) {
    if (op == UnaryOp::Not) return Value(!v.truthy());
    if (v.is_undefined()) throw_undefined(v);
    if (v.is_float()) return Value(op == UnaryOp::Neg ? -v.as_float() : v.as_float());
    if (v.is_int() || v.is_bool()) {
        const std::int64_t i = v.integer();
        if (op == UnaryOp::Pos) return Value(i);
        if (i == std::numeric_limits<std::int64_t>::min()) overflow();
        return Value(-i);
    }
    throw Error(std::string("bad operand type for unary ") + (op == UnaryOp::Neg ? "-" : "+") +
                ": '" + v.type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
    switch (container.kind()) {
    case Value::Kind::Undefined:
        return false;
    case Value::Kind::String:
        if (!item.is_string()) {
            if (item.is_undefined()) throw_undefined(item);
            throw Error("'in <string>' requires string as left operand, not " + item.type_name());
        }
        return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
        for (const Value& v : container.as_list()->items) {
            if (values_equal(v, item)) return true;
        }
        return false;
    case Value::Kind::Dict:
        if (container.is_namespace()) break;
        return container.as_dict()->find(item) != nullptr;
    default:
        break;
    }
    throw Error("argument of type '" + container.type_name() + "' is not iterable");
}

bool compare_op(CompareOp op, const Value& a, const Value& b) {
    switch (op) {
    case CompareOp::Eq:
        return values_equal(a, b);
    case CompareOp::Ne:
        return !values_equal(a, b);
    case CompareOp::In:
        return contains(b, a);
    case CompareOp::NotIn:
        return !contains(b, a);
    default:
        break;
    }
    if (a.is_undefined()) throw_undefined(a);
    if (b.is_undefined()) throw_undefined(b);
    switch (op) {
    case CompareOp::Lt:
        return value_less(a, b);
    case CompareOp::Gt:
        return value_less(b, a);
    case CompareOp::Le:
        return !value_less(b, a);
    case CompareOp::Ge:
        return !value_less(a, b);
    default:
        return false;
    }
}

std::int64_t length_of(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return 0;
    case Value::Kind::String:
        return static_cast<std::int64_t>(utf8_length(v.as_string()));
    case Value::Kind::List:
        return static_cast<std::int64_t>(v.as_list()->items.size());
    case Value::Kind::Dict:
        if (v.is_namespace()) break;
        return static_cast<std::int64_t>(v.as_dict()->items.size());
    default:
        break;
    }
    throw Error("object of type '" + v.type_name() + "' has no len()");
}

std::vector<Value> iterate(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return {};
    case Value::Kind::List:
        return v.as_list()->items;
    case Value::Kind::Dict: {
        if (v.is_namespace()) break;
        std::vector<Value> keys;
        keys.reserve(v.as_dict()->items.size());
        for (const auto& [k, val] : v.as_dict()->items) keys.push_back(k);
        return keys;
    }
    case Value::Kind::String: {
        std::vector<Value> chars;
        const std::string& s = v.as_string();
        for (std::size_t i = 0; i < s.size();) {
            std::size_t j = i + 1;
            while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
            chars.emplace_back(s.substr(i, j - i));
            i = j;
        }
        return chars;
    }
    default:
        break;
    }
    throw Error("'" + v.type_name() + "' object is not iterable");
}

} // namespace hoard::templ
