#include "telemetry/session_writer.hpp"

#include "telemetry/event_bus.hpp"

#include <chrono>

namespace hoard::telemetry {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

int64_t i64(uint64_t v) {
    return static_cast<int64_t>(v);
}

std::string insert_sql(const std::string& table, const std::vector<std::string>& columns,
                       size_t rows) {
    std::string sql = "INSERT INTO " + table + " (";
    std::string values = "(";
    for (size_t c = 0; c < columns.size(); ++c) {
        sql += (c ? ", " : "") + columns[c];
        values += c ? ", ?" : "?";
    }
    values += ")";
    sql += ") VALUES ";
    for (size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + values;
    return sql;
}

} // namespace

RowInserter::RowInserter(Database& db, const std::string& table,
                         const std::vector<std::string>& columns)
    : n_columns_(static_cast<int>(columns.size())),
      many_(db.prepare(insert_sql(table, columns, kRowsPerStatement))),
      one_(db.prepare(insert_sql(table, columns, 1))) {}

SessionWriter::SessionWriter(Database& db, int64_t session_id)
    : db_(db), session_id_(session_id),
      tokens_(db, "tokens",
              {"session_id", "token_index", "n_tokens", "prefill", "t_start", "t_end"}),
      transfers_(db, "transfers",
                 {"session_id", "token_index", "layer", "expert", "precision", "link", "bytes",
                  "prefetch", "t_start", "t_end"}),
      prefetches_(db, "prefetches", {"session_id", "token_index", "layer", "expert", "used"}),
      spans_(db, "spans",
             {"session_id", "kind", "token_index", "layer", "expert", "t_start", "t_end"}),
      windows_(db, "layer_windows",
               {"session_id",
                "window_index",
                "layer",
                "t_start",
                "t_end",
                "token_first",
                "token_last",
                "passes",
                "hit_high",
                "hit_low",
                "load_high",
                "load_low",
                "cpu",
                "skip",
                "transfers",
                "prefetch_loads",
                "bytes_host_to_device",
                "bytes_storage_to_host",
                "prefetch_used",
                "prefetch_unused",
                "stalls",
                "stall_seconds",
                "cpu_seconds"}),
      update_progress_(db.prepare(
          "UPDATE sessions SET updated_at = ?2, dropped_events = ?3, prompt_tokens = ?4, "
          "generated_tokens = ?5 WHERE id = ?1")),
      end_session_(db.prepare("UPDATE sessions SET ended_at = ?2, updated_at = ?2, status = ?3, "
                              "error = ?4, dropped_events = ?5, prompt_tokens = ?6, "
                              "generated_tokens = ?7 WHERE id = ?1")) {}

void SessionWriter::write(const RecordBatch& batch, const SessionProgress& progress, bool final) {
    const int64_t id = session_id_;
    Transaction transaction(db_);
    tokens_.insert(std::span(batch.tokens), [id](Statement& s, int p, const TokenEvent& t) {
        s.bind(p, id)
            .bind(p + 1, i64(t.token_index))
            .bind(p + 2, i64(t.n_tokens))
            .bind(p + 3, i64(t.prefill))
            .bind(p + 4, t.t_start)
            .bind(p + 5, t.t_end);
    });
    transfers_.insert(std::span(batch.transfers),
                      [id](Statement& s, int p, const TransferEvent& t) {
                          s.bind(p, id)
                              .bind(p + 1, i64(t.token_index))
                              .bind(p + 2, i64(t.layer))
                              .bind(p + 3, i64(t.expert))
                              .bind_static(p + 4, precision_name(t.precision))
                              .bind_static(p + 5, link_name(t.link))
                              .bind(p + 6, i64(t.bytes))
                              .bind(p + 7, i64(t.prefetch))
                              .bind(p + 8, t.t_start)
                              .bind(p + 9, t.t_end);
                      });
    prefetches_.insert(std::span(batch.prefetches),
                       [id](Statement& s, int p, const PrefetchEvent& e) {
                           s.bind(p, id)
                               .bind(p + 1, i64(e.token_index))
                               .bind(p + 2, i64(e.layer))
                               .bind(p + 3, i64(e.expert))
                               .bind(p + 4, i64(e.used));
                       });
    spans_.insert(std::span(batch.spans), [id](Statement& s, int p, const SpanRow& r) {
        s.bind(p, id)
            .bind_static(p + 1, span_kind_name(r.kind))
            .bind(p + 2, i64(r.token_index))
            .bind(p + 3, i64(r.layer));
        if (r.expert >= 0)
            s.bind(p + 4, int64_t(r.expert));
        else
            s.bind(p + 4, nullptr);
        s.bind(p + 5, r.t_start).bind(p + 6, r.t_end);
    });
    windows_.insert(std::span(batch.windows), [id](Statement& s, int p, const WindowRow& w) {
        const LayerCounters& c = w.counters;
        s.bind(p, id)
            .bind(p + 1, i64(w.window_index))
            .bind(p + 2, i64(w.layer))
            .bind(p + 3, w.t_start)
            .bind(p + 4, w.t_end)
            .bind(p + 5, i64(w.token_first))
            .bind(p + 6, i64(w.token_last))
            .bind(p + 7, i64(w.passes))
            .bind(p + 8, i64(c.hit_high))
            .bind(p + 9, i64(c.hit_low))
            .bind(p + 10, i64(c.load_high))
            .bind(p + 11, i64(c.load_low))
            .bind(p + 12, i64(c.cpu))
            .bind(p + 13, i64(c.skip))
            .bind(p + 14, i64(c.transfers))
            .bind(p + 15, i64(c.prefetch_loads))
            .bind(p + 16, i64(c.bytes_host_to_device))
            .bind(p + 17, i64(c.bytes_storage_to_host))
            .bind(p + 18, i64(c.prefetch_used))
            .bind(p + 19, i64(c.prefetch_unused))
            .bind(p + 20, i64(c.stalls))
            .bind(p + 21, c.stall_seconds)
            .bind(p + 22, c.cpu_seconds);
    });
    const double now = unix_now();
    if (final) {
        end_session_.bind(1, id)
            .bind(2, now)
            .bind_static(3, "complete")
            .bind_static(4, "")
            .bind(5, i64(progress.dropped_events))
            .bind(6, i64(progress.prompt_tokens))
            .bind(7, i64(progress.generated_tokens))
            .run();
    } else {
        update_progress_.bind(1, id)
            .bind(2, now)
            .bind(3, i64(progress.dropped_events))
            .bind(4, i64(progress.prompt_tokens))
            .bind(5, i64(progress.generated_tokens))
            .run();
    }
    transaction.commit();
}

void SessionWriter::mark_failed(const std::string& error,
                                const SessionProgress& progress) noexcept {
    try {
        end_session_.reset();
        end_session_.bind(1, session_id_)
            .bind(2, unix_now())
            .bind(3, "failed")
            .bind(4, error)
            .bind(5, static_cast<int64_t>(progress.dropped_events))
            .bind(6, static_cast<int64_t>(progress.prompt_tokens))
            .bind(7, static_cast<int64_t>(progress.generated_tokens))
            .run();
    } catch (const std::exception&) {
        // The database cannot take even this (a full disk): the session stays
        // "recording" and shows up as interrupted.
    }
}

} // namespace hoard::telemetry
