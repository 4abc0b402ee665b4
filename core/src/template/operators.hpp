#pragma once
// Python semantics for the operators, attribute and item access, slicing and
// iteration that templates apply to values.
#include <string>
#include <vector>

#include "template/ast.hpp"
#include "template/value.hpp"

namespace hoard::templ {

struct RenderLimits;

// Throws the error jinja2 raises when an Undefined is used for real.
[[noreturn]] void throw_undefined(const Value& v);
// Message for a missing attribute, as jinja2 words it.
std::string no_attribute_hint(const Value& object, const std::string& name);

Value binary_op(BinaryOp op, const Value& a, const Value& b, const RenderLimits& limits);
Value unary_op(UnaryOp op, const Value& v);
bool compare_op(CompareOp op, const Value& a, const Value& b);
// Python's `item in container`.
bool contains(const Value& container, const Value& item);

// `obj.name`: a method of str/list/dict, a dict entry, else Undefined.
Value get_attribute(const Value& obj, const std::string& name);
// `obj[key]`: dict entry, list/str element (negative counts from the end), else Undefined.
Value get_item(const Value& obj, const Value& key);
// `obj[start:stop:step]` on a list, tuple or str; null parts are omitted ones.
Value slice_value(const Value& obj, const Value* start, const Value* stop, const Value* step);

// What `for x in v` visits: list items, dict keys, string characters;
// nothing for Undefined; an error for values Python cannot iterate.
std::vector<Value> iterate(const Value& v);
// len(v); Undefined has length 0.
std::int64_t length_of(const Value& v);

} // namespace hoard::templ
