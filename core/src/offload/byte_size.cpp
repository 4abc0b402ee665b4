#include "offload/byte_size.hpp"

#include "hoard/error.hpp"
#include "hoard/model_summary.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace hoard::offload {

uint64_t parse_byte_size(std::string_view text) {
    const auto bad = [&] {
        return Error("'" + std::string(text) +
                     "' is not a memory size (examples: 12G, 512M, 1.5GiB, 1000000)");
    };
    double value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin || !std::isfinite(value) || value < 0) throw bad();
    std::string unit(ptr, end);
    for (char& c : unit) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (unit.ends_with("b")) unit.pop_back();
    if (unit.ends_with("i")) unit.pop_back();
    double scale = 1;
    if (unit == "k")
        scale = 1024.0;
    else if (unit == "m")
        scale = 1024.0 * 1024;
    else if (unit == "g")
        scale = 1024.0 * 1024 * 1024;
    else if (unit == "t")
        scale = 1024.0 * 1024 * 1024 * 1024;
    else if (!unit.empty())
        throw bad();
    const double bytes = std::round(value * scale);
    if (bytes >= 18446744073709551616.0) throw bad();
    return uint64_t(bytes);
}

std::string format_byte_size(uint64_t bytes) {
    return hoard::format_bytes(bytes);
}

} // namespace hoard::offload
