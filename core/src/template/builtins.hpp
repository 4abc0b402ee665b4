#pragma once
// The global functions a chat template can call: range, namespace, dict,
// raise_exception, strftime_now, joiner.
#include <ctime>
#include <string>
#include <string_view>

#include "template/interpreter.hpp"

namespace hoard::templ {

// Fills `globals` with the builtins; they call back into `interpreter`.
void install_builtins(Scope& globals, Interpreter& interpreter);

// C-locale strftime (English day and month names whatever the process locale),
// with glibc's '-' flag for unpadded numbers.
std::string format_time(std::string_view format, const std::tm& t);

} // namespace hoard::templ
