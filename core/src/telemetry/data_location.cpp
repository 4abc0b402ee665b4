#include "telemetry/data_location.hpp"

#include "hoard/error.hpp"

#include <cstdlib>

namespace hoard::telemetry {
namespace {

const char* non_empty_env(const char* name) {
    const char* value = std::getenv(name);
    return value && *value ? value : nullptr;
}

} // namespace

std::filesystem::path default_data_dir() {
    if (const char* dir = non_empty_env("HOARD_DATA_DIR")) return dir;
    // The specification says a relative XDG_DATA_HOME is invalid and ignored.
    if (const char* xdg = non_empty_env("XDG_DATA_HOME");
        xdg && std::filesystem::path(xdg).is_absolute())
        return std::filesystem::path(xdg) / "hoard";
    if (const char* home = non_empty_env("HOME"))
        return std::filesystem::path(home) / ".local" / "share" / "hoard";
    throw Error("cannot find a folder for Hoard's data: set HOARD_DATA_DIR, XDG_DATA_HOME or HOME");
}

std::filesystem::path default_database_path() {
    return default_data_dir() / "hoard.db";
}

} // namespace hoard::telemetry
