#pragma once
// jinja2's built-in filters (`x | name(args)`) and tests (`x is name args`),
// with Hugging Face's `tojson`.
#include <string>
#include <unordered_map>

#include "template/value.hpp"

namespace hoard::templ {

struct RenderLimits;

using FilterFn = Value (*)(const Value& input, const CallArgs& args, const RenderLimits& limits);
using TestFn = bool (*)(const Value& input, const CallArgs& args);

// nullptr when there is no such filter / test.
FilterFn find_filter(const std::string& name);
TestFn find_test(const std::string& name);

Value apply_filter(const std::string& name, const Value& input, const CallArgs& args,
                   const RenderLimits& limits);
bool apply_test(const std::string& name, const Value& input, const CallArgs& args);

// The two halves of the filter table (filters_text.cpp, filters_sequence.cpp).
const std::unordered_map<std::string, FilterFn>& text_filters();
const std::unordered_map<std::string, FilterFn>& sequence_filters();

// Helpers the filter files share.
// `value.a.b` / `value.0` as jinja2's attribute= arguments read it.
Value attribute_path(const Value& value, const std::string& path);
// jinja2 compares strings case-insensitively unless told otherwise.
Value fold_case(const Value& v, bool case_sensitive);
bool arg_truthy(const CallArgs& args, std::size_t i, std::string_view name, bool fallback);

} // namespace hoard::templ
