#pragma once
// The profile store's own connection, shared by ProfileStore and ChatHistory
// (one lock: SQLite connections are used by one thread at a time).
#include "telemetry/sqlite_db.hpp"

#include <cstdint>
#include <mutex>

namespace hoard::telemetry {

struct StoreOptions {
    // Caps the database file's size (0: only the disk limits it). Writes past
    // it fail like a full disk: recording stops with an error.
    uint64_t max_database_bytes = 0;
    // How long a write waits for another writer (the app and `hoard run` may
    // record into one database at once).
    int busy_timeout_ms = 5000;
};

struct StoreConnection {
    Database db;
    StoreOptions options;
    std::mutex mutex;
};

} // namespace hoard::telemetry
