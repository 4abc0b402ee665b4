#include "telemetry/recorder.hpp"

#include "telemetry/event_ring.hpp"
#include "telemetry/session_writer.hpp"
#include "telemetry/sqlite_db.hpp"
#include "telemetry/window_aggregator.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

namespace hoard::telemetry {
namespace {

using Clock = std::chrono::steady_clock;

// How often the writer looks at the queue when idle. Rare wakeups keep its
// CPU time (taken from the engine's threads on a busy machine) low; the queue
// holds far more than this much of a decode stream.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// Commit early when this many rows are waiting, to bound memory under bursts.
constexpr size_t kEarlyCommitRows = 50'000;
// While the database is busy, rows wait; past this many they are dropped.
constexpr size_t kMaxPendingRows = 1'000'000;
// An idle session still touches its row this often, so that a live session
// can be told from one whose process died.
constexpr double kHeartbeatSeconds = 5.0;

// Moves an event's measured times (those >= 0) to count from `origin`.
void shift_times(Event& event, double origin) {
    auto shift = [origin](double& t) {
        if (t >= 0) t = std::max(0.0, t - origin);
    };
    std::visit(
        [&](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TokenEvent> || std::is_same_v<T, TransferEvent> ||
                          std::is_same_v<T, LayerEvent> || std::is_same_v<T, ExpertEvent>) {
                shift(e.t_start);
                shift(e.t_end);
            } else if constexpr (std::is_same_v<T, StallEvent>) {
                shift(e.t_start);
            }
        },
        event);
}

double thread_cpu_seconds() {
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

} // namespace

struct Recorder::State {
    State(size_t capacity, RecorderOptions opts) : ring(capacity), options(std::move(opts)) {}

    EventRing ring;
    RecorderOptions options;
    Database db;
    int64_t session_id = 0;
    EventBus* bus = nullptr;
    uint64_t subscription = 0;

    std::atomic<bool> accepting{true};
    std::atomic<bool> failed{false};
    std::atomic<bool> ended{false};
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> discarded{0}; // rows dropped while the database was busy
    std::atomic<uint64_t> refused{0};   // events naming an impossible layer
    std::atomic<uint64_t> written_rows{0};
    std::atomic<uint64_t> commits{0};
    std::atomic<double> writer_cpu{0};

    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::string error;
    std::thread writer;

    uint64_t dropped() const {
        return ring.dropped() + discarded.load(std::memory_order_relaxed) +
               refused.load(std::memory_order_relaxed);
    }
    void run();
    void fail(const std::string& message, SessionWriter* writer, const SessionProgress& progress);
};

void Recorder::State::fail(const std::string& message, SessionWriter* writer,
                           const SessionProgress& progress) {
    accepting.store(false);
    {
        std::lock_guard lock(mutex);
        error = "recording stopped: " + message;
    }
    failed.store(true);
    if (writer) writer->mark_failed(error, progress);
    if (options.on_error) {
        try {
            options.on_error(error);
        } catch (...) {
            // A throwing callback must not take the writer thread down.
        }
    }
}

void Recorder::State::run() {
    WindowAggregator aggregator(options.window_seconds, options.window_passes,
                                options.record_spans);
    const double commit_interval = std::clamp(options.commit_interval_seconds, 0.001, 1.0);
    RecordBatch batch;
    std::vector<Event> events;
    events.reserve(4096);
    auto progress = [&] {
        return SessionProgress{dropped(), aggregator.prompt_tokens(),
                               aggregator.generated_tokens()};
    };

    std::unique_ptr<SessionWriter> writer;
    try {
        writer = std::make_unique<SessionWriter>(db, session_id);
    } catch (const Error& e) {
        fail(e.what(), nullptr, progress());
        return;
    }

    auto last_commit = Clock::now();
    auto last_write = last_commit;
    for (;;) {
        bool stopping;
        {
            std::unique_lock lock(mutex);
            if (!stop && ring.size() == 0) wake.wait_for(lock, kPollInterval);
            stopping = stop;
        }
        // Drain what is queued (all of it when stopping: the bus is already
        // unsubscribed, so the queue only shrinks).
        for (;;) {
            events.clear();
            if (ring.pop(events, 8192) == 0) break;
            if (options.time_origin != 0)
                for (Event& e : events) shift_times(e, options.time_origin);
            for (const Event& e : events) aggregator.add(e, batch);
            refused.store(aggregator.refused_events(), std::memory_order_relaxed);
            if (!stopping && batch.rows() >= kEarlyCommitRows) break;
        }
        const auto now = Clock::now();
        const double since_commit = std::chrono::duration<double>(now - last_commit).count();
        const double since_write = std::chrono::duration<double>(now - last_write).count();
        const bool due = since_commit >= commit_interval || batch.rows() >= kEarlyCommitRows;
        if (!stopping && !due) continue;
        last_commit = now;
        // A window that no token event closes is still written within a second.
        if (stopping || aggregator.window_age_seconds() >= std::min(1.0, 4 * commit_interval))
            aggregator.close_window(batch);
        if (!stopping && batch.empty() && since_write < kHeartbeatSeconds) continue;
        try {
            writer->write(batch, progress(), stopping);
            written_rows.fetch_add(batch.rows(), std::memory_order_relaxed);
            commits.fetch_add(1, std::memory_order_relaxed);
            batch.clear();
            last_write = now;
        } catch (const DatabaseError& e) {
            if (!e.is_busy() || stopping) {
                fail(e.what(), writer.get(), progress());
                break;
            }
            // Another writer held the database past the busy timeout: keep the
            // rows for the next commit, within reason.
            if (batch.rows() > kMaxPendingRows) {
                discarded.fetch_add(batch.rows(), std::memory_order_relaxed);
                batch.clear();
            }
        } catch (const Error& e) {
            fail(e.what(), writer.get(), progress());
            break;
        }
        writer_cpu.store(thread_cpu_seconds(), std::memory_order_relaxed);
        if (stopping) break;
    }
    writer_cpu.store(thread_cpu_seconds(), std::memory_order_relaxed);
}

Recorder Recorder::start(const std::filesystem::path& path, uint64_t max_database_bytes,
                         int64_t session_id, EventBus& bus, RecorderOptions options) {
    const size_t capacity = std::max<size_t>(2, options.queue_capacity);
    auto state = std::make_unique<State>(capacity, std::move(options));
    state->db = Database::open(path, Database::Mode::ReadWrite, 5000, max_database_bytes);
    state->session_id = session_id;
    state->bus = &bus;
    State* s = state.get();
    // The subscriber runs on the engine thread: it only copies into the queue.
    state->subscription = bus.subscribe([s](std::span<const Event> batch) {
        if (!s->accepting.load(std::memory_order_relaxed)) return;
        const size_t dropped = s->ring.push(batch);
        s->received.fetch_add(batch.size() - dropped, std::memory_order_relaxed);
    });
    try {
        state->writer = std::thread([s] { s->run(); });
    } catch (...) {
        bus.unsubscribe(state->subscription);
        throw;
    }
    Recorder recorder;
    recorder.state_ = std::move(state);
    return recorder;
}

Recorder::Recorder() = default;
Recorder::Recorder(Recorder&& other) noexcept = default;

Recorder& Recorder::operator=(Recorder&& other) noexcept {
    if (this != &other) {
        end();
        state_ = std::move(other.state_);
    }
    return *this;
}

Recorder::~Recorder() {
    end();
}

int64_t Recorder::session_id() const {
    return state_ ? state_->session_id : 0;
}

void Recorder::end() {
    if (!state_ || state_->ended.exchange(true)) return;
    // Unsubscribing waits for a flush in progress, so afterwards nothing more
    // is pushed and the writer can drain the queue to the end.
    if (state_->subscription) state_->bus->unsubscribe(state_->subscription);
    state_->subscription = 0;
    {
        std::lock_guard lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_one();
    if (state_->writer.joinable()) state_->writer.join();
    state_->accepting.store(false);
}

bool Recorder::recording() const {
    return state_ && !state_->ended.load() && !state_->failed.load();
}

bool Recorder::failed() const {
    return state_ && state_->failed.load();
}

std::string Recorder::error() const {
    if (!state_) return {};
    std::lock_guard lock(state_->mutex);
    return state_->error;
}

uint64_t Recorder::dropped_events() const {
    return state_ ? state_->dropped() : 0;
}

size_t Recorder::queued_events() const {
    return state_ ? state_->ring.size() : 0;
}

RecorderStats Recorder::stats() const {
    RecorderStats stats;
    if (!state_) return stats;
    stats.received_events = state_->received.load(std::memory_order_relaxed);
    stats.dropped_events = state_->dropped();
    stats.written_rows = state_->written_rows.load(std::memory_order_relaxed);
    stats.commits = state_->commits.load(std::memory_order_relaxed);
    stats.writer_cpu_seconds = state_->writer_cpu.load(std::memory_order_relaxed);
    return stats;
}

} // namespace hoard::telemetry
