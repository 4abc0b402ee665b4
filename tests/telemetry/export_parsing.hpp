#pragma once
// Reading the exports back: an RFC 4180 CSV reader and a checker for the
// trace-event format (Chrome / Perfetto JSON traces).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hoard::test {

using CsvTable = std::vector<std::vector<std::string>>; // rows of fields, header first

// Throws std::runtime_error on malformed input (an unterminated quote, a
// stray quote inside an unquoted field).
CsvTable parse_csv(const std::string& text);

// "" when `trace` follows the trace-event format's rules as Hoard uses them
// (JSON object form; "X" complete and "M" metadata events with their required
// fields and types; every thread and process named; complete events on one
// thread properly nested); otherwise the first problem found.
std::string validate_trace(const nlohmann::json& trace);

} // namespace hoard::test
