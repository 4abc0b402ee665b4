#pragma once
// The profile database's schema and its migrations. PRAGMA user_version holds
// the version; a fresh database is built by running every migration from 0,
// so the upgrade path is exercised on every install, not only on old files.
//
// Version 1: sessions, per-token timings, per-layer windows, transfers,
//            prefetch outcomes, chat conversations and messages.
// Version 2: timeline spans (layers, CPU experts, stalls) for the trace export
//            and the app's session view; per-session token totals (back-filled
//            from version-1 data); CPU time per layer window; a conversation's
//            system prompt, settings and model; a message's generation speed,
//            time to first token and the recorded session that produced it.
#include "telemetry/sqlite_db.hpp"

namespace hoard::telemetry::schema {

inline constexpr int kCurrentVersion = 2;

// Brings `db` up to kCurrentVersion, one transaction per step. Throws a
// hoard::Error if the file was written by a newer Hoard.
void migrate(Database& db);

// Builds the schema of exactly `version` (1..kCurrentVersion) on an empty
// database: for migration tests.
void create_at_version(Database& db, int version);

// The per-session tables, in export order; each has a session_id column.
inline constexpr const char* kSessionTables[] = {"tokens", "layer_windows", "transfers",
                                                 "prefetches", "spans"};

} // namespace hoard::telemetry::schema
