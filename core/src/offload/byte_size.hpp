#pragma once
// Memory sizes as users type and read them: "12G", "512MiB", "1.5g", "3000000".
#include <cstdint>
#include <string>
#include <string_view>

namespace hoard::offload {

// Suffixes K, M, G, T (optionally followed by "i" and/or "B", any case) are
// powers of 1024, as device memory is counted; a bare number is bytes.
// Throws hoard::Error for anything else, negative or too large values.
uint64_t parse_byte_size(std::string_view text);

// "11.25 GiB", "512.0 MiB", "900 B".
std::string format_byte_size(uint64_t bytes);

} // namespace hoard::offload
