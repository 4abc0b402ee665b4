#pragma once
// Exports one recorded session, for sharing and for other tools:
//
// - Csv: a folder with one file per table (sessions.csv, tokens.csv,
//   layer_windows.csv, transfers.csv, prefetches.csv, spans.csv): a header
//   row with the database's column names, then the rows in recording order;
//   RFC 4180 quoting, LF line ends, empty for NULL, reals written so that they
//   read back to the same double.
// - Json: one document {"format": "hoard-session", "format_version": 1,
//   "schema_version", "session": {...}, "tokens": [...], ...}, each row an
//   object keyed by column; hardware_json and settings_json are embedded as
//   "hardware" and "settings" values.
// - Perfetto: a Chrome trace-event JSON file (opens in ui.perfetto.dev and
//   chrome://tracing): one process per session; tracks for tokens, layers,
//   loads per link, CPU experts and stalls as "X" complete events (ts and dur
//   in microseconds of session time), named by thread_name metadata.
//   Overlapping loads or CPU experts go to numbered lanes of their track so
//   that events on one thread always nest.
// - Sqlite: a standalone database file with the current schema holding only
//   this session (chat history is never included).
//
// Reads happen in one transaction, so a session still recording exports as a
// consistent snapshot. Files are written next to the destination and renamed
// into place.
#include "telemetry/profile_store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace hoard::telemetry {

enum class ExportFormat { Csv, Json, Perfetto, Sqlite };

// "csv", "json", "perfetto" (or "trace"), "sqlite"; throws hoard::Error.
ExportFormat parse_export_format(std::string_view name);

// Throws hoard::Error for an unknown session or a destination that cannot be
// written.
void export_session(const ProfileStore& store, int64_t session_id, ExportFormat format,
                    const std::filesystem::path& destination);

void export_csv(const ProfileStore& store, int64_t session_id, const std::filesystem::path& folder);
void export_json(const ProfileStore& store, int64_t session_id, const std::filesystem::path& file);
void export_perfetto(const ProfileStore& store, int64_t session_id,
                     const std::filesystem::path& file);
void export_sqlite(const ProfileStore& store, int64_t session_id,
                   const std::filesystem::path& file);

} // namespace hoard::telemetry
