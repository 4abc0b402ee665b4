#include "telemetry/session_writer.hpp"

#include "telemetry/event_bus.hpp"

#include <chrono>

namespace hoard::telemetry {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

SessionWriter::SessionWriter(Database& db, int64_t session_id)
    : db_(db), session_id_(session_id),
      insert_token_(db.prepare("INSERT INTO tokens (session_id, token_index, n_tokens, prefill, "
                               "t_start, t_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")),
      insert_transfer_(db.prepare(
          "INSERT INTO transfers (session_id, token_index, layer, expert, precision, link, "
          "bytes, prefetch, t_start, t_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")),
      insert_prefetch_(db.prepare("INSERT INTO prefetches (session_id, token_index, layer, "
                                  "expert, used) VALUES (?1, ?2, ?3, ?4, ?5)")),
      insert_span_(db.prepare("INSERT INTO spans (session_id, kind, token_index, layer, expert, "
                              "t_start, t_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")),
      insert_window_(db.prepare(
          "INSERT INTO layer_windows (session_id, window_index, layer, t_start, t_end, "
          "token_first, token_last, passes, hit_high, hit_low, load_high, load_low, cpu, skip, "
          "transfers, prefetch_loads, bytes_host_to_device, bytes_storage_to_host, "
          "prefetch_used, prefetch_unused, stalls, stall_seconds, cpu_seconds) VALUES (?1, ?2, "
          "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
          "?21, ?22, ?23)")),
      update_progress_(db.prepare(
          "UPDATE sessions SET updated_at = ?2, dropped_events = ?3, prompt_tokens = ?4, "
          "generated_tokens = ?5 WHERE id = ?1")),
      end_session_(db.prepare("UPDATE sessions SET ended_at = ?2, updated_at = ?2, status = ?3, "
                              "error = ?4, dropped_events = ?5, prompt_tokens = ?6, "
                              "generated_tokens = ?7 WHERE id = ?1")) {}

void SessionWriter::write(const RecordBatch& batch, const SessionProgress& progress, bool final) {
    auto i64 = [](auto v) { return static_cast<int64_t>(v); };
    Transaction transaction(db_);
    for (const TokenEvent& t : batch.tokens) {
        insert_token_.bind(1, session_id_)
            .bind(2, i64(t.token_index))
            .bind(3, i64(t.n_tokens))
            .bind(4, i64(t.prefill))
            .bind(5, t.t_start)
            .bind(6, t.t_end)
            .run();
    }
    for (const TransferEvent& t : batch.transfers) {
        insert_transfer_.bind(1, session_id_)
            .bind(2, i64(t.token_index))
            .bind(3, i64(t.layer))
            .bind(4, i64(t.expert))
            .bind(5, precision_name(t.precision))
            .bind(6, link_name(t.link))
            .bind(7, i64(t.bytes))
            .bind(8, i64(t.prefetch))
            .bind(9, t.t_start)
            .bind(10, t.t_end)
            .run();
    }
    for (const PrefetchEvent& p : batch.prefetches) {
        insert_prefetch_.bind(1, session_id_)
            .bind(2, i64(p.token_index))
            .bind(3, i64(p.layer))
            .bind(4, i64(p.expert))
            .bind(5, i64(p.used))
            .run();
    }
    for (const SpanRow& s : batch.spans) {
        insert_span_.bind(1, session_id_)
            .bind(2, span_kind_name(s.kind))
            .bind(3, i64(s.token_index))
            .bind(4, i64(s.layer));
        if (s.expert >= 0)
            insert_span_.bind(5, i64(s.expert));
        else
            insert_span_.bind(5, nullptr);
        insert_span_.bind(6, s.t_start).bind(7, s.t_end).run();
    }
    for (const WindowRow& w : batch.windows) {
        const LayerCounters& c = w.counters;
        insert_window_.bind(1, session_id_)
            .bind(2, i64(w.window_index))
            .bind(3, i64(w.layer))
            .bind(4, w.t_start)
            .bind(5, w.t_end)
            .bind(6, i64(w.token_first))
            .bind(7, i64(w.token_last))
            .bind(8, i64(w.passes))
            .bind(9, i64(c.hit_high))
            .bind(10, i64(c.hit_low))
            .bind(11, i64(c.load_high))
            .bind(12, i64(c.load_low))
            .bind(13, i64(c.cpu))
            .bind(14, i64(c.skip))
            .bind(15, i64(c.transfers))
            .bind(16, i64(c.prefetch_loads))
            .bind(17, i64(c.bytes_host_to_device))
            .bind(18, i64(c.bytes_storage_to_host))
            .bind(19, i64(c.prefetch_used))
            .bind(20, i64(c.prefetch_unused))
            .bind(21, i64(c.stalls))
            .bind(22, c.stall_seconds)
            .bind(23, c.cpu_seconds)
            .run();
    }
    const double now = unix_now();
    if (final) {
        end_session_.bind(1, session_id_)
            .bind(2, now)
            .bind(3, "complete")
            .bind(4, "")
            .bind(5, i64(progress.dropped_events))
            .bind(6, i64(progress.prompt_tokens))
            .bind(7, i64(progress.generated_tokens))
            .run();
    } else {
        update_progress_.bind(1, session_id_)
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
