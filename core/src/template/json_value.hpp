#pragma once
// Crossing between JSON and template values: the render context comes in as
// JSON, and the `tojson` filter writes JSON exactly as Python's json.dumps
// does in Hugging Face's chat-template environment.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "template/value.hpp"

namespace hoard::templ {

Value from_json(const nlohmann::ordered_json& j);

struct JsonDumpOptions {
    std::optional<std::string> indent; // json.dumps(indent=...) as the text of one level
    std::string item_separator = ", "; // Python's default; ",", when indenting
    std::string key_separator = ": ";
    bool sort_keys = false;
    bool ensure_ascii = false; // Hugging Face passes False
};

// json.dumps(value, ...); throws hoard::Error for values JSON cannot hold.
std::string to_json_text(const Value& value, const JsonDumpOptions& options);

} // namespace hoard::templ
