// jinja2's tests: `x is defined`, `x is string`, `x is equalto y`, ...
#include <cmath>

#include "hoard/error.hpp"
#include "template/filters.hpp"
#include "template/operators.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

namespace {

const Value& operand(const CallArgs& a, std::string_view test) {
    const Value* v = a.get(0, "other");
    if (!v) v = a.get(0, "value");
    if (!v) throw Error("test '" + std::string(test) + "' needs an argument");
    return *v;
}

bool parity(const Value& v, bool even) {
    if (v.is_undefined()) throw_undefined(v);
    if (v.is_float()) {
        const double m = std::fmod(v.as_float(), 2.0);
        return even ? m == 0.0 : m != 0.0;
    }
    if (!v.is_int() && !v.is_bool())
        throw Error("unsupported operand type(s) for %: '" + v.type_name() + "' and 'int'");
    const std::int64_t i = v.integer();
    return even ? i % 2 == 0 : i % 2 != 0;
}

bool same_as(const Value& a, const Value& b) {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case Value::Kind::List:
        return a.as_list() == b.as_list();
    case Value::Kind::Dict:
        return a.as_dict() == b.as_dict();
    case Value::Kind::Function:
        return a.as_function() == b.as_function();
    default:
        return values_equal(a, b);
    }
}

bool cased_all(const Value& v, bool upper) {
    bool any = false;
    for (char32_t c : utf8_decode(v.str())) {
        if (upper ? is_lower(c) : is_upper(c)) return false;
        if (upper ? is_upper(c) : is_lower(c)) any = true;
    }
    return any;
}

#define HOARD_TEST(...)                                                                            \
    [](const Value& v, const CallArgs& a) -> bool {                                                \
        (void)v;                                                                                   \
        (void)a;                                                                                   \
        __VA_ARGS__                                                                                \
    }

const std::unordered_map<std::string, TestFn>& tests() {
    static const std::unordered_map<std::string, TestFn> table = {
        {"defined", HOARD_TEST(return !v.is_undefined();)},
        {"undefined", HOARD_TEST(return v.is_undefined();)},
        {"none", HOARD_TEST(return v.is_none();)},
        {"boolean", HOARD_TEST(return v.is_bool();)},
        {"true", HOARD_TEST(return v.is_bool() && v.as_bool();)},
        {"false", HOARD_TEST(return v.is_bool() && !v.as_bool();)},
        {"integer", HOARD_TEST(return v.is_int();)},
        {"float", HOARD_TEST(return v.is_float();)},
        {"number", HOARD_TEST(return v.is_number();)},
        {"string", HOARD_TEST(return v.is_string();)},
        {"mapping", HOARD_TEST(return v.is_mapping();)},
        {"iterable",
         HOARD_TEST(return v.is_undefined() || v.is_string() || v.is_list() || v.is_mapping();)},
        {"sequence",
         HOARD_TEST(return v.is_undefined() || v.is_string() || v.is_list() || v.is_mapping();)},
        {"callable", HOARD_TEST(return v.is_function();)},
        {"sameas", HOARD_TEST(return same_as(v, operand(a, "sameas"));)},
        {"equalto", HOARD_TEST(return values_equal(v, operand(a, "equalto"));)},
        {"eq", HOARD_TEST(return values_equal(v, operand(a, "eq"));)},
        {"==", HOARD_TEST(return values_equal(v, operand(a, "=="));)},
        {"ne", HOARD_TEST(return !values_equal(v, operand(a, "ne"));)},
        {"!=", HOARD_TEST(return !values_equal(v, operand(a, "!="));)},
        {"lt", HOARD_TEST(return compare_op(CompareOp::Lt, v, operand(a, "lt"));)},
        {"<", HOARD_TEST(return compare_op(CompareOp::Lt, v, operand(a, "<"));)},
        {"lessthan", HOARD_TEST(return compare_op(CompareOp::Lt, v, operand(a, "lessthan"));)},
        {"le", HOARD_TEST(return compare_op(CompareOp::Le, v, operand(a, "le"));)},
        {"<=", HOARD_TEST(return compare_op(CompareOp::Le, v, operand(a, "<="));)},
        {"gt", HOARD_TEST(return compare_op(CompareOp::Gt, v, operand(a, "gt"));)},
        {">", HOARD_TEST(return compare_op(CompareOp::Gt, v, operand(a, ">"));)},
        {"greaterthan",
         HOARD_TEST(return compare_op(CompareOp::Gt, v, operand(a, "greaterthan"));)},
        {"ge", HOARD_TEST(return compare_op(CompareOp::Ge, v, operand(a, "ge"));)},
        {">=", HOARD_TEST(return compare_op(CompareOp::Ge, v, operand(a, ">="));)},
        {"in", HOARD_TEST(return contains(operand(a, "in"), v);)},
        {"even", HOARD_TEST(return parity(v, true);)},
        {"odd", HOARD_TEST(return parity(v, false);)},
        {"divisibleby", HOARD_TEST({
             const Value& n = operand(a, "divisibleby");
             if (!v.is_number() || !n.is_number()) throw Error("divisibleby needs numbers");
             if (n.number() == 0) throw Error("integer division or modulo by zero");
             if (v.is_float() || n.is_float()) return std::fmod(v.number(), n.number()) == 0.0;
             return v.integer() % n.integer() == 0;
         })},
        {"lower", HOARD_TEST(return cased_all(v, false);)},
        {"upper", HOARD_TEST(return cased_all(v, true);)},
        {"escaped", HOARD_TEST(return false;)},
        {"filter", HOARD_TEST({
             const Value& n = operand(a, "filter");
             return n.is_string() && find_filter(n.as_string()) != nullptr;
         })},
        {"test", HOARD_TEST({
             const Value& n = operand(a, "test");
             return n.is_string() && find_test(n.as_string()) != nullptr;
         })},
    };
    return table;
}

#undef HOARD_TEST

} // namespace

TestFn find_test(const std::string& name) {
    const auto& table = tests();
    const auto it = table.find(name);
    return it == table.end() ? nullptr : it->second;
}

bool apply_test(const std::string& name, const Value& input, const CallArgs& args) {
    const TestFn t = find_test(name);
    if (!t) throw Error("no test named '" + name + "'");
    return t(input, args);
}

} // namespace hoard::templ
