// Filters over sequences and mappings: length, join, map, select, sort, ...
#include <algorithm>
#include <utility>

#include "hoard/error.hpp"
#include "template/filters.hpp"
#include "template/interpreter.hpp"
#include "template/operators.hpp"
#include "template/unicode.hpp"

namespace hoard::templ {

namespace {

const std::string* opt_string(const CallArgs& a, std::size_t i, std::string_view name) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return nullptr;
    if (!v->is_string()) throw Error(std::string(name) + " must be a string");
    return &v->as_string();
}

// The key a filter sorts or compares items by: attribute= then case folding.
Value item_key(const Value& item, const std::string* attribute, bool case_sensitive) {
    return fold_case(attribute ? attribute_path(item, *attribute) : item, case_sensitive);
}

Value filter_join(const Value& v, const CallArgs& a, const RenderLimits& limits) {
    a.check("join", 2, {"d", "attribute"});
    const std::string* sep_arg = opt_string(a, 0, "d");
    const std::string sep = sep_arg ? *sep_arg : "";
    const std::string* attribute = opt_string(a, 1, "attribute");
    std::string out;
    std::size_t i = 0;
    for (const Value& item : iterate(v)) {
        if (i++) out += sep;
        out += (attribute ? attribute_path(item, *attribute) : item).str();
        if (out.size() > limits.max_string_bytes) throw Error("string too long");
    }
    return Value(std::move(out));
}

Value filter_sort(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("sort", 3, {"reverse", "case_sensitive", "attribute"});
    const bool reverse = arg_truthy(a, 0, "reverse", false);
    const bool case_sensitive = arg_truthy(a, 1, "case_sensitive", false);
    const std::string* attribute = opt_string(a, 2, "attribute");
    std::vector<std::pair<Value, Value>> keyed;
    for (const Value& item : iterate(v))
        keyed.emplace_back(item_key(item, attribute, case_sensitive), item);
    std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
        return reverse ? value_less(y.first, x.first) : value_less(x.first, y.first);
    });
    std::vector<Value> out;
    for (auto& [k, item] : keyed) out.push_back(std::move(item));
    return Value::new_list(std::move(out));
}

Value filter_dictsort(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("dictsort", 3, {"case_sensitive", "by", "reverse"});
    if (!v.is_mapping()) throw Error("dictsort needs a mapping, not " + v.type_name());
    const bool case_sensitive = arg_truthy(a, 0, "case_sensitive", false);
    const std::string* by_arg = opt_string(a, 1, "by");
    const std::string by = by_arg ? *by_arg : "key";
    if (by != "key" && by != "value") throw Error("You can only sort by either 'key' or 'value'");
    const bool reverse = arg_truthy(a, 2, "reverse", false);
    auto items = v.as_dict()->items;
    const bool by_value = by == "value";
    std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
        const Value kx = fold_case(by_value ? x.second : x.first, case_sensitive);
        const Value ky = fold_case(by_value ? y.second : y.first, case_sensitive);
        return reverse ? value_less(ky, kx) : value_less(kx, ky);
    });
    std::vector<Value> out;
    for (auto& [k, val] : items) out.push_back(Value::new_tuple({k, val}));
    return Value::new_list(std::move(out));
}

Value filter_unique(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("unique", 2, {"case_sensitive", "attribute"});
    const bool case_sensitive = arg_truthy(a, 0, "case_sensitive", false);
    const std::string* attribute = opt_string(a, 1, "attribute");
    std::vector<Value> seen, out;
    for (const Value& item : iterate(v)) {
        Value key = item_key(item, attribute, case_sensitive);
        if (std::any_of(seen.begin(), seen.end(),
                        [&](const Value& s) { return values_equal(s, key); }))
            continue;
        seen.push_back(std::move(key));
        out.push_back(item);
    }
    return Value::new_list(std::move(out));
}

Value extreme(const Value& v, const CallArgs& a, bool want_max) {
    a.check(want_max ? "max" : "min", 2, {"case_sensitive", "attribute"});
    const bool case_sensitive = arg_truthy(a, 0, "case_sensitive", false);
    const std::string* attribute = opt_string(a, 1, "attribute");
    const std::vector<Value> items = iterate(v);
    if (items.empty())
        return Value::undefined(std::string("No aggregated item, sequence was empty."));
    std::size_t best = 0;
    Value best_key = item_key(items[0], attribute, case_sensitive);
    for (std::size_t i = 1; i < items.size(); ++i) {
        Value k = item_key(items[i], attribute, case_sensitive);
        if (want_max ? value_less(best_key, k) : value_less(k, best_key)) {
            best = i;
            best_key = std::move(k);
        }
    }
    return items[best];
}

// The test named by args[first] applied with the arguments after it;
// no name means plain truthiness (select() / selectattr('x')).
bool run_test(const Value& item, const CallArgs& a, std::size_t first) {
    if (a.positional.size() <= first) return item.truthy();
    const Value& name = a.positional[first];
    if (!name.is_string()) throw Error("test name must be a string");
    CallArgs rest;
    rest.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(first) + 1,
                           a.positional.end());
    rest.keyword = a.keyword;
    return apply_test(name.as_string(), item, rest);
}

Value select_items(const Value& v, const CallArgs& a, bool by_attribute, bool keep) {
    std::vector<Value> out;
    std::string attribute;
    if (by_attribute) {
        if (a.positional.empty() || !a.positional[0].is_string())
            throw Error("selectattr/rejectattr need an attribute name");
        attribute = a.positional[0].as_string();
    }
    if (!v.truthy()) return Value::new_list(); // jinja2 skips a falsy input (None, 0) entirely
    for (const Value& item : iterate(v)) {
        const Value subject = by_attribute ? attribute_path(item, attribute) : item;
        if (run_test(subject, a, by_attribute ? 1 : 0) == keep) out.push_back(item);
    }
    return Value::new_list(std::move(out));
}

Value filter_map(const Value& v, const CallArgs& a, const RenderLimits& limits) {
    std::vector<Value> out;
    if (!v.truthy()) return Value::new_list(); // as jinja2: a falsy input maps to nothing
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [k, kv] : a.keyword) {
        if (k == "attribute") attribute = &kv;
        if (k == "default") fallback = &kv;
    }
    if (attribute) {
        if (!attribute->is_string()) throw Error("map attribute must be a string");
        for (const Value& item : iterate(v)) {
            Value x = attribute_path(item, attribute->as_string());
            out.push_back(x.is_undefined() && fallback ? *fallback : x);
        }
        return Value::new_list(std::move(out));
    }
    if (a.positional.empty() || !a.positional[0].is_string())
        throw Error("map needs a filter name");
    CallArgs rest;
    rest.positional.assign(a.positional.begin() + 1, a.positional.end());
    rest.keyword = a.keyword;
    for (const Value& item : iterate(v))
        out.push_back(apply_filter(a.positional[0].as_string(), item, rest, limits));
    return Value::new_list(std::move(out));
}

Value filter_batch(const Value& v, const CallArgs& a, const RenderLimits&) {
    a.check("batch", 2, {"linecount", "fill_with"});
    const Value* n_arg = a.get(0, "linecount");
    if (!n_arg || !n_arg->is_int() || n_arg->as_int() <= 0)
        throw Error("batch needs a positive line count");
    const auto n = static_cast<std::size_t>(n_arg->as_int());
    const Value* fill = a.get(1, "fill_with");
    std::vector<Value> out, row;
    for (const Value& item : iterate(v)) {
        row.push_back(item);
        if (row.size() == n) out.push_back(Value::new_list(std::exchange(row, {})));
    }
    if (!row.empty()) {
        if (fill && !fill->is_none())
            while (row.size() < n) row.push_back(*fill);
        out.push_back(Value::new_list(std::move(row)));
    }
    return Value::new_list(std::move(out));
}

#define HOARD_FILTER(...)                                                                          \
    [](const Value& v, const CallArgs& a, const RenderLimits& limits) -> Value {                   \
        (void)v;                                                                                   \
        (void)a;                                                                                   \
        (void)limits;                                                                              \
        __VA_ARGS__                                                                                \
    }

} // namespace

const std::unordered_map<std::string, FilterFn>& sequence_filters() {
    static const std::unordered_map<std::string, FilterFn> table = {
        {"length", HOARD_FILTER(a.check("length", 0, {}); return Value(length_of(v));)},
        {"count", HOARD_FILTER(a.check("count", 0, {}); return Value(length_of(v));)},
        {"list", HOARD_FILTER(a.check("list", 0, {}); return Value::new_list(iterate(v));)},
        {"first", HOARD_FILTER({
             a.check("first", 0, {});
             std::vector<Value> items = iterate(v);
             if (items.empty()) return Value::undefined("No first item, sequence was empty.");
             return items.front();
         })},
        {"last", HOARD_FILTER({
             a.check("last", 0, {});
             std::vector<Value> items = iterate(v);
             if (items.empty()) return Value::undefined("No last item, sequence was empty.");
             return items.back();
         })},
        {"reverse", HOARD_FILTER({
             a.check("reverse", 0, {});
             if (v.is_string()) {
                 std::u32string u = utf8_decode(v.as_string());
                 std::reverse(u.begin(), u.end());
                 return Value(utf8_encode(u));
             }
             std::vector<Value> items = iterate(v);
             std::reverse(items.begin(), items.end());
             return Value::new_list(std::move(items));
         })},
        {"items", HOARD_FILTER({
             a.check("items", 0, {});
             if (v.is_undefined()) return Value::new_list();
             if (!v.is_mapping()) throw Error("Can only get item pairs from a mapping.");
             std::vector<Value> out;
             for (const auto& [k, val] : v.as_dict()->items)
                 out.push_back(Value::new_tuple({k, val}));
             return Value::new_list(std::move(out));
         })},
        {"join", filter_join},
        {"sort", filter_sort},
        {"dictsort", filter_dictsort},
        {"unique", filter_unique},
        {"min", HOARD_FILTER(return extreme(v, a, false);)},
        {"max", HOARD_FILTER(return extreme(v, a, true);)},
        {"sum", HOARD_FILTER({
             a.check("sum", 2, {"attribute", "start"});
             const Value* attribute = a.get(0, "attribute");
             const Value* start = a.get(1, "start");
             Value total = start ? *start : Value(std::int64_t{0});
             for (const Value& item : iterate(v)) {
                 const Value x = attribute && attribute->is_string()
                                     ? attribute_path(item, attribute->as_string())
                                     : item;
                 total = binary_op(BinaryOp::Add, total, x, limits);
             }
             return total;
         })},
        {"map", filter_map},
        {"select", HOARD_FILTER(return select_items(v, a, false, true);)},
        {"reject", HOARD_FILTER(return select_items(v, a, false, false);)},
        {"selectattr", HOARD_FILTER(return select_items(v, a, true, true);)},
        {"rejectattr", HOARD_FILTER(return select_items(v, a, true, false);)},
        {"batch", filter_batch},
        {"attr", HOARD_FILTER({
             a.check("attr", 1, {"name"});
             const std::string* name = opt_string(a, 0, "name");
             if (!name) throw Error("attr needs a name");
             return get_attribute(v, *name);
         })},
    };
    return table;
}

#undef HOARD_FILTER

} // namespace hoard::templ
