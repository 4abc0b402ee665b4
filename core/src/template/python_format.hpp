#pragma once
// Python's text forms: float repr, string repr, the `%` operator and
// str.format(), which chat templates use to build their prompts.
#include <cstdint>
#include <string>
#include <string_view>

#include "template/value.hpp"

namespace hoard::templ {

// repr(float): the shortest text that reads back to the same double,
// "1.0", "0.1", "1e-05", "1e+16", "inf", "nan".
std::string float_repr(double d);
// repr(str): quoted with ' (or " when only ' occurs), escapes as Python does.
std::string string_repr(std::string_view s);

// `format % args`: args is a tuple for several values, a dict for %(name)s.
std::string percent_format(std::string_view format, const Value& args);
// `format.format(*args, **kwargs)`.
std::string brace_format(std::string_view format, const CallArgs& args);

// Applies one format spec ("", ">10", ".2f", "05d", ...) as format(value, spec) does.
std::string format_with_spec(const Value& value, std::string_view spec);

} // namespace hoard::templ
