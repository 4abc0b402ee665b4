#pragma once
// Writes a recorder's batches into one session's rows: one transaction per
// batch, with prepared statements, and the session row's progress (heartbeat,
// drops, token totals) in the same transaction.
#include "telemetry/record_batch.hpp"
#include "telemetry/sqlite_db.hpp"

#include <cstdint>
#include <string>

namespace hoard::telemetry {

struct SessionProgress {
    uint64_t dropped_events = 0;
    uint64_t prompt_tokens = 0, generated_tokens = 0;
};

class SessionWriter {
  public:
    // `db` must outlive the writer.
    SessionWriter(Database& db, int64_t session_id);

    // All of `batch` and the progress, or nothing (throws DatabaseError).
    // `final` also ends the session as complete.
    void write(const RecordBatch& batch, const SessionProgress& progress, bool final);
    // Best effort after a failure: ends the session as failed with `error`.
    void mark_failed(const std::string& error, const SessionProgress& progress) noexcept;

  private:
    Database& db_;
    int64_t session_id_;
    Statement insert_token_, insert_transfer_, insert_prefetch_, insert_span_, insert_window_;
    Statement update_progress_, end_session_;
};

// Unix time now, in seconds.
double unix_now();

} // namespace hoard::telemetry
