#pragma once
// Python's str, list and dict methods as templates call them:
// `content.strip()`, `message.get('x', '')`, `ns.items.append(x)`.
#include <string>

#include "template/value.hpp"

namespace hoard::templ {

struct RenderLimits;

bool has_method(const Value& object, const std::string& name);
// Calls object.name(*args); throws hoard::Error when there is no such method.
Value call_method(const Value& object, const std::string& name, const CallArgs& args,
                  const RenderLimits& limits);
// object.name as a value that can be called later.
Value bound_method(const Value& object, const std::string& name, const RenderLimits& limits);

} // namespace hoard::templ
