#pragma once
// The profiling store, for the CLI, the desktop app and the C ABI: every
// generation session recorded into one SQLite database (by default in the
// user's data folder), read back for lists and charts, exported for sharing,
// a live feed of aggregated snapshots while a model generates, and the app's
// chat history (kept in the same database).
//
//   ProfileStore store = ProfileStore::open();          // or open(path)
//   Recording rec = store.record(*session, {});          // never throws
//   session->generate(...);                             // events are recorded
//   rec.stop();                                          // rec.session_id()
//   auto s = store.session(rec.session_id());            // totals, per layer
//
// Threading: a ProfileStore's methods are safe from any thread (copies share
// one connection and one lock); reading never waits for a recording, which
// writes through its own connection on its own thread. Recording and live
// feeds cost the generating thread a few copies per forward pass.
#include "hoard/engine.hpp"
#include "hoard/generation.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoard {

// What one layer's experts did over some stretch of time (a window of a
// recording, a whole session, a live snapshot's window).
struct LayerActivity {
    // Selected experts by what the engine did with them.
    uint64_t hit_high = 0, hit_low = 0;   // resident (on the CPU engine: every expert)
    uint64_t load_high = 0, load_low = 0; // loaded over the link: misses
    uint64_t cpu = 0, skip = 0;           // computed on the CPU, or dropped
    uint64_t transfers = 0, prefetch_loads = 0;
    uint64_t bytes_host_to_device = 0, bytes_storage_to_host = 0;
    uint64_t prefetch_used = 0, prefetch_unused = 0;
    uint64_t stalls = 0;
    double stall_seconds = 0;
    double cpu_seconds = 0; // time CPU-computed experts took

    uint64_t selections() const { return hit_high + hit_low + load_high + load_low + cpu + skip; }
    uint64_t hits() const { return hit_high + hit_low; }
    double hit_rate() const; // hits / selections; 0 when nothing was selected
    LayerActivity& operator+=(const LayerActivity& other);
};

// One recorded session.
struct RecordedSession {
    int64_t id = 0;
    // recording | complete | failed | interrupted (its process died while
    // recording)
    std::string status;
    std::string error; // why recording failed
    std::string model_path, model_name, model_hash;
    double started_at = 0;          // Unix time (seconds)
    std::optional<double> ended_at; // none while recording or after a crash
    double updated_at = 0;          // last write
    std::string hardware_json;      // a JSON object: CPU, memory, OS, device
    std::string settings_json;      // a JSON object: sampling, engine, offload settings
    uint64_t device_budget_bytes = 0, host_budget_bytes = 0;
    std::string policy;
    double window_seconds = 0; // the layer windows' length
    uint64_t dropped_events = 0;
    uint64_t prompt_tokens = 0, generated_tokens = 0;
    // Engine time of the prefill passes and of the decode steps.
    double prefill_seconds = 0, decode_seconds = 0;

    // Per layer (index = layer), summed over the session's windows; and over
    // all layers.
    std::vector<LayerActivity> layers;
    LayerActivity total;

    double decode_tokens_per_second() const;
    double prefill_tokens_per_second() const;
};

// One forward pass: a decode step (n_tokens 1) or a prefill chunk. Times are
// seconds since the session started.
struct RecordedPass {
    uint32_t token_index = 0; // position of the pass's first token
    uint32_t n_tokens = 1;
    bool prefill = false;
    double t_start = 0, t_end = 0;
};

// One layer over one short window of a session (the charts' time axis).
struct RecordedLayerWindow {
    uint64_t window_index = 0;
    uint32_t layer = 0;
    double t_start = 0, t_end = 0; // seconds since the session started
    uint32_t token_first = 0, token_last = 0;
    uint32_t passes = 0;
    LayerActivity activity;
};

enum class SessionExportFormat {
    Csv,      // a folder with one file per table
    Json,     // one document
    Perfetto, // a Chrome / Perfetto trace (JSON trace-event format)
    Sqlite,   // a standalone database holding only this session
};
// "csv", "json", "perfetto" (or "trace"), "sqlite"; throws hoard::Error.
SessionExportFormat parse_session_export_format(std::string_view name);

// The app's chat history.
struct StoredConversation {
    int64_t id = 0;
    std::string title;
    std::string system_prompt;
    std::string settings_json = "{}"; // a JSON object (sampling settings)
    std::string model_path;
    double created_at = 0, updated_at = 0; // Unix time; set by the store
};

struct StoredMessage {
    int64_t id = 0;
    int64_t conversation_id = 0;
    std::string role; // system | user | assistant | tool
    std::string content;
    double created_at = 0;             // set by the store
    std::optional<int64_t> session_id; // the recording that produced it
    std::optional<double> tokens_per_second;
    std::optional<double> time_to_first_token; // seconds
};

struct RecordingOptions {
    std::string model_name; // "": the model's name, else its file name
    // The generation settings used (recorded as "sampling", "max_tokens", ...).
    std::optional<GenerationParams> generation;
    // More settings to record, as a JSON object merged into the session's
    // settings (e.g. {"command": "run"}); invalid JSON is kept as text.
    std::string extra_settings_json;
    // A per-layer window closes after this much engine time or this many
    // forward passes.
    double window_seconds = 0.25;
    uint32_t window_passes = 64;
    // Rows for the timeline (each layer of each pass, CPU-computed experts,
    // stalls): the Perfetto export's tracks. Off, a small model's recording
    // costs about half as much.
    bool timeline = true;
    // Called once when recording stops on an error (a full disk, a read-only
    // file system) after it started; on the recorder's thread. Generation is
    // never affected.
    std::function<void(const std::string& message)> on_error;
};

struct ProfileStoreOptions {
    // Caps the database file's size (0: only the disk limits it); writes past
    // it fail as on a full disk: recordings stop with an error.
    uint64_t max_database_bytes = 0;
    // How long a write waits for another writer (the app and `hoard run` may
    // record into one database at once).
    int busy_timeout_ms = 5000;
};

// What a recording has cost so far.
struct RecordingStats {
    uint64_t received_events = 0; // from the engine
    uint64_t dropped_events = 0;  // the recorder could not keep up
    uint64_t written_rows = 0;
    uint64_t commits = 0;
    double writer_cpu_seconds = 0; // CPU time of the recorder's thread
};

class ProfileStore;

// Records a model's forward passes (of every session on it) into a new
// session of the store from creation until stop() or destruction. Never
// throws into the caller: a recording that cannot start or that fails says
// so in error(), and generation goes on unrecorded.
class Recording {
  public:
    Recording(); // not recording
    Recording(Recording&& other) noexcept;
    Recording& operator=(Recording&& other) noexcept;
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;
    ~Recording(); // stop()

    // Opens the store at `database` ("" : ProfileStore::default_path()) and
    // records `session`'s model.
    static Recording start(const Session& session, const std::filesystem::path& database = {},
                           RecordingOptions options = {});

    // The session's id in the store; 0 when recording could not start.
    int64_t session_id() const;
    bool active() const; // started, not stopped, not failed
    bool failed() const; // could not start, or stopped on an error
    std::string error() const;
    uint64_t dropped_events() const; // events the recorder could not keep up with
    RecordingStats stats() const;
    const std::filesystem::path& database() const;

    // Writes what is queued and marks the session complete (or failed).
    // Idempotent; returns once everything is on disk.
    void stop() noexcept;

    struct Impl;

  private:
    explicit Recording(std::unique_ptr<Impl> impl);
    friend class ProfileStore;
    std::unique_ptr<Impl> impl_;
};

class ProfileStore {
  public:
    // $HOARD_DATA_DIR/hoard.db, else $XDG_DATA_HOME/hoard/hoard.db, else
    // ~/.local/share/hoard/hoard.db. Throws hoard::Error when there is no home.
    static std::filesystem::path default_path();

    // Creates the folder and the database when needed and brings its schema up
    // to date. Throws hoard::Error with a message for the user: a read-only
    // folder, a full disk, a file that is not a profile database, or one
    // written by a newer Hoard.
    static ProfileStore open();
    static ProfileStore open(const std::filesystem::path& path,
                             const ProfileStoreOptions& options = {});

    const std::filesystem::path& path() const;

    // Sessions, newest first, with their per-layer totals.
    std::vector<RecordedSession> sessions() const;
    std::optional<RecordedSession> session(int64_t id) const;
    // Deletes the session and all its rows; false if there was none.
    bool delete_session(int64_t id);
    // A session's charts: its forward passes in order, and its layer windows
    // (by window, then layer). Empty for an unknown session.
    std::vector<RecordedPass> passes(int64_t id) const;
    std::vector<RecordedLayerWindow> layer_windows(int64_t id) const;

    // Throws hoard::Error for an unknown session or a destination that
    // cannot be written. Csv writes a folder; the others one file.
    void export_session(int64_t id, SessionExportFormat format,
                        const std::filesystem::path& destination) const;

    // Starts recording `session`'s model (see Recording). Never throws.
    Recording record(const Session& session, RecordingOptions options = {});
    Recording record(std::shared_ptr<const Model> model, RecordingOptions options = {});

    // Chat history. Ids and times in the arguments are ignored where the
    // store assigns them. Throws hoard::Error for an unknown conversation or
    // role, or invalid settings JSON.
    int64_t create_conversation(const StoredConversation& conversation);
    void update_conversation(const StoredConversation& conversation); // by id
    std::vector<StoredConversation> conversations() const;            // most recent first
    std::optional<StoredConversation> conversation(int64_t id) const;
    bool delete_conversation(int64_t id); // and its messages
    int64_t add_message(const StoredMessage& message);
    std::vector<StoredMessage> messages(int64_t conversation_id) const; // oldest first
    // Deletes the message and every later one of its conversation (edit and
    // resend, regenerate); returns how many.
    size_t truncate_messages_from(int64_t message_id);

    struct Impl;

  private:
    explicit ProfileStore(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- live feed

struct LiveFeedOptions {
    double interval_seconds = 0.1; // a snapshot this often (10 per second)
    double window_seconds = 1.0;   // what each snapshot sums over (wall time)
};

struct LiveSnapshot {
    uint64_t sequence = 0;  // 1, 2, 3, ... one per interval
    double engine_time = 0; // the latest event's time (seconds on the model's clock)
    // Engine time the window's passes and transfers cover: the rates are per
    // second of it.
    double covered_seconds = 0;
    uint64_t decode_tokens = 0, prefill_tokens = 0; // in the window
    double tokens_per_second = 0;                   // decode
    double prefill_tokens_per_second = 0;
    double host_to_device_bytes_per_second = 0;
    double storage_to_host_bytes_per_second = 0;

    // In the window: everything, and per layer (index = layer).
    LayerActivity total;
    std::vector<LayerActivity> layers;
    std::vector<double> layer_hit_rates; // layers[i].hit_rate()
    double hit_rate = 0;
    // Precision mix: shares of the selected experts run in high precision
    // (resident or loaded), low precision, on the CPU, or skipped.
    double high_fraction = 0, low_fraction = 0, cpu_fraction = 0, skip_fraction = 0;
    uint64_t cpu_experts = 0;

    // Since the feed started.
    uint64_t total_generated_tokens = 0;
    double session_hit_rate = 0;
    uint64_t dropped_events = 0;
};

// Aggregated snapshots of a model's generation, delivered on the feed's own
// thread every interval (the app forwards them to its GUI thread) from
// construction until stop() or destruction. The generating thread only copies
// events into a bounded queue.
class LiveFeed {
  public:
    using Callback = std::function<void(const LiveSnapshot& snapshot)>;

    // `on_snapshot` may be empty (then poll latest()). Keeps the model alive.
    LiveFeed(const Session& session, Callback on_snapshot, LiveFeedOptions options = {});
    LiveFeed(std::shared_ptr<const Model> model, Callback on_snapshot,
             LiveFeedOptions options = {});
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;
    ~LiveFeed();

    // No callback runs after it returns. Idempotent.
    void stop();
    LiveSnapshot latest() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace hoard
