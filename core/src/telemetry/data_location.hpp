#pragma once
// Where the profile database lives by default: the user's data folder as the
// XDG base-directory specification defines it.
#include <filesystem>

namespace hoard::telemetry {

// $HOARD_DATA_DIR if set; else $XDG_DATA_HOME/hoard when XDG_DATA_HOME is an
// absolute path; else $HOME/.local/share/hoard. Throws hoard::Error when none
// of these is available.
std::filesystem::path default_data_dir();

// default_data_dir() / "hoard.db".
std::filesystem::path default_database_path();

} // namespace hoard::telemetry
