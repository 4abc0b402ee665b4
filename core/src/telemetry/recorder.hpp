#pragma once
// Records one session: subscribes to an EventBus, copies each batch into a
// bounded queue (never waiting: what does not fit is dropped and counted) and
// writes rows on its own thread, committing at least every
// commit_interval_seconds (a killed process loses at most that much).
//
// A write error (full disk, read-only file system, I/O error) stops the
// recording: error() says why, on_error is called once, and the publisher
// goes on as if nobody listened. Get one from ProfileStore::begin_session().
#include "telemetry/event_bus.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace hoard::telemetry {

struct RecorderOptions {
    // A per-layer window closes after this much engine time or this many
    // forward passes, whichever comes first.
    double window_seconds = 0.25;
    uint32_t window_passes = 64;
    // How often rows are committed; at most 1 s (the crash-loss promise).
    double commit_interval_seconds = 0.25;
    // Events held between the publisher and the writer (about 56 bytes each).
    size_t queue_capacity = size_t(1) << 16;
    // Rows for the timeline (layers, CPU experts, stalls): the trace export.
    bool record_spans = true;
    // The publisher's clock reading when the session began: subtracted from
    // every event time, so that rows count from the session's start (the
    // engine's clock starts when the model is loaded). Times before it become
    // 0; unmeasured times (-1) stay unmeasured.
    double time_origin = 0;
    // Called once, on the writer thread, when recording stops on an error.
    std::function<void(const std::string& message)> on_error;
};

struct RecorderStats {
    uint64_t received_events = 0; // taken into the queue
    uint64_t dropped_events = 0;  // queue full, or refused (see dropped_events())
    uint64_t written_rows = 0;
    uint64_t commits = 0;
    double writer_cpu_seconds = 0; // CPU time of the writer thread
};

class Recorder {
  public:
    Recorder();
    Recorder(Recorder&& other) noexcept;
    Recorder& operator=(Recorder&& other) noexcept;
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;
    // Ends the session if end() was not called.
    ~Recorder();

    // Starts recording session `session_id` of the database at `path` (which
    // ProfileStore created). Prefer ProfileStore::begin_session(). The bus
    // must outlive the recording (until end()). Throws hoard::Error when the
    // database cannot be opened for writing.
    static Recorder start(const std::filesystem::path& path, uint64_t max_database_bytes,
                          int64_t session_id, EventBus& bus, RecorderOptions options = {});

    int64_t session_id() const;
    // Unsubscribes, writes what is queued and marks the session complete (or
    // failed). Idempotent; returns once everything is on disk.
    void end();

    bool recording() const; // false once ended or failed
    bool failed() const;
    std::string error() const; // why recording stopped; empty if it did not fail
    // Events lost because the queue was full (and events naming an impossible
    // layer). Also stored in the session row.
    uint64_t dropped_events() const;
    size_t queued_events() const;
    RecorderStats stats() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace hoard::telemetry
