#pragma once
// Writes a recorder's batches into one session's rows: one transaction per
// batch, rows inserted 32 to a statement (per-statement overhead, not the
// B-trees, is what an insert mostly costs), and the session row's progress
// (heartbeat, drops, token totals) in the same transaction.
#include "telemetry/record_batch.hpp"
#include "telemetry/sqlite_db.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hoard::telemetry {

struct SessionProgress {
    uint64_t dropped_events = 0;
    uint64_t prompt_tokens = 0, generated_tokens = 0;
};

// Inserts rows of one table, many per statement.
class RowInserter {
  public:
    static constexpr size_t kRowsPerStatement = 32;

    RowInserter(Database& db, const std::string& table, const std::vector<std::string>& columns);

    // bind(statement, first_parameter, row) binds the row's values to
    // parameters first_parameter, first_parameter + 1, ...
    template <class Row, class Bind> void insert(std::span<const Row> rows, Bind bind) {
        size_t i = 0;
        for (; i + kRowsPerStatement <= rows.size(); i += kRowsPerStatement) {
            for (size_t r = 0; r < kRowsPerStatement; ++r)
                bind(many_, 1 + int(r) * n_columns_, rows[i + r]);
            many_.run();
        }
        for (; i < rows.size(); ++i) {
            bind(one_, 1, rows[i]);
            one_.run();
        }
    }

  private:
    int n_columns_;
    Statement many_, one_;
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
    RowInserter tokens_, transfers_, prefetches_, spans_, windows_;
    Statement update_progress_, end_session_;
};

// Unix time now, in seconds.
double unix_now();

} // namespace hoard::telemetry
