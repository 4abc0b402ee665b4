#pragma once
// Where the shared reference data lives: $HOARD_CONFORMANCE_DIR, else the
// ../shared/conformance folder beside the checkout.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hoard::test {

inline std::filesystem::path conformance_dir() {
    if (const char* env = std::getenv("HOARD_CONFORMANCE_DIR"); env && *env) return env;
    return HOARD_CONFORMANCE_DIR_DEFAULT;
}

inline std::filesystem::path conformance_path(const std::string& relative) {
    return conformance_dir() / relative;
}

inline std::filesystem::path traces_dir() {
    if (const char* env = std::getenv("HOARD_TRACES_DIR"); env && *env) return env;
    return HOARD_TRACES_DIR_DEFAULT;
}

} // namespace hoard::test
