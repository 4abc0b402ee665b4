#pragma once
// Python's str methods (strip, split, startswith, replace, format, ...).
#include <string>

#include "template/value.hpp"

namespace hoard::templ {

struct RenderLimits;

using MethodFn = Value (*)(const Value& self, const CallArgs& args, const RenderLimits& limits);

// The str method called `name`, or nullptr.
MethodFn find_string_method(const std::string& name);

// Python's str.split / str.rsplit; sep null splits on runs of whitespace.
std::vector<std::string> python_split(const std::string& s, const std::string* sep,
                                      std::int64_t maxsplit, bool from_right);
// Python's str.replace.
std::string python_replace(const std::string& s, const std::string& old, const std::string& with,
                           std::int64_t count, std::size_t max_bytes);

} // namespace hoard::templ
