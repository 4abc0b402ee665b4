#include "telemetry/live_feed.hpp"

#include "telemetry/event_ring.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>

namespace hoard::telemetry {
namespace {

// What arrived during one interval.
struct Bucket {
    LayerTable layers;
    uint64_t decode_tokens = 0, prefill_tokens = 0;
    bool has_time = false;
    double t_min = 0, t_max = 0;

    void time(double t_start, double t_end) {
        if (t_start < 0 || t_end < t_start) return;
        t_min = has_time ? std::min(t_min, t_start) : t_start;
        t_max = has_time ? std::max(t_max, t_end) : t_end;
        has_time = true;
    }
};

} // namespace

struct LiveFeed::State {
    State(EventBus& b, LiveFeedOptions o, Callback c)
        : bus(b), options(o), callback(std::move(c)), ring(o.queue_capacity) {}

    EventBus& bus;
    LiveFeedOptions options;
    Callback callback;
    EventRing ring;
    uint64_t subscription = 0;

    std::mutex mutex; // guards stop and latest
    std::condition_variable wake;
    bool stop = false;
    LiveSnapshot latest;
    std::thread thread;

    // Owned by the feed's thread.
    std::deque<Bucket> buckets;
    std::vector<Event> events;
    LayerCounters session_total;
    uint64_t generated = 0;
    double engine_time = 0;
    uint64_t sequence = 0;

    void run();
    void add(const Event& event, Bucket& bucket);
    LiveSnapshot snapshot();
};

void LiveFeed::State::add(const Event& event, Bucket& bucket) {
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TokenEvent>) {
                (e.prefill ? bucket.prefill_tokens : bucket.decode_tokens) += e.n_tokens;
                if (!e.prefill) generated += e.n_tokens;
                bucket.time(e.t_start, e.t_end);
                engine_time = std::max(engine_time, e.t_end);
            } else if constexpr (std::is_same_v<T, LayerEvent>) {
                engine_time = std::max(engine_time, e.t_end);
            } else {
                LayerCounters* counters = bucket.layers.at(e.layer);
                if (!counters) return;
                counters->add(e);
                session_total.add(e);
                if constexpr (std::is_same_v<T, TransferEvent>) {
                    bucket.time(e.t_start, e.t_end);
                    engine_time = std::max(engine_time, e.t_end);
                }
            }
        },
        event);
}

LiveSnapshot LiveFeed::State::snapshot() {
    LiveSnapshot s;
    s.sequence = ++sequence;
    s.engine_time = engine_time;
    LayerTable layers;
    bool has_time = false;
    double t_min = 0, t_max = 0;
    for (const Bucket& b : buckets) {
        layers += b.layers;
        s.decode_tokens += b.decode_tokens;
        s.prefill_tokens += b.prefill_tokens;
        if (b.has_time) {
            t_min = has_time ? std::min(t_min, b.t_min) : b.t_min;
            t_max = has_time ? std::max(t_max, b.t_max) : b.t_max;
            has_time = true;
        }
    }
    s.layers = layers.layers();
    for (const LayerCounters& c : s.layers) s.total += c;
    s.covered_seconds = has_time ? t_max - t_min : 0;
    if (s.covered_seconds > 0) {
        s.tokens_per_second = double(s.decode_tokens) / s.covered_seconds;
        s.prefill_tokens_per_second = double(s.prefill_tokens) / s.covered_seconds;
        s.host_to_device_bytes_per_second =
            double(s.total.bytes_host_to_device) / s.covered_seconds;
        s.storage_to_host_bytes_per_second =
            double(s.total.bytes_storage_to_host) / s.covered_seconds;
    }
    s.hit_rate = s.total.hit_rate();
    if (const uint64_t n = s.total.selections()) {
        s.high_fraction = double(s.total.hit_high + s.total.load_high) / double(n);
        s.low_fraction = double(s.total.hit_low + s.total.load_low) / double(n);
        s.cpu_fraction = double(s.total.cpu) / double(n);
        s.skip_fraction = double(s.total.skip) / double(n);
    }
    s.cpu_experts = s.total.cpu;
    s.total_generated_tokens = generated;
    s.session_hit_rate = session_total.hit_rate();
    s.dropped_events = ring.dropped();
    return s;
}

void LiveFeed::State::run() {
    using Clock = std::chrono::steady_clock;
    const double interval = std::max(0.001, options.interval_seconds);
    const size_t n_buckets = std::max<size_t>(
        1,
        static_cast<size_t>(std::llround(std::max(options.window_seconds, interval) / interval)));
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
    auto next = Clock::now() + period;
    for (;;) {
        {
            std::unique_lock lock(mutex);
            wake.wait_until(lock, next, [&] { return stop; });
            if (stop) return;
        }
        next += period;
        // After a long stall (a suspended laptop), do not deliver a burst.
        if (next < Clock::now()) next = Clock::now() + period;

        buckets.emplace_back();
        while (true) {
            events.clear();
            if (ring.pop(events, 8192) == 0) break;
            for (const Event& e : events) add(e, buckets.back());
        }
        while (buckets.size() > n_buckets) buckets.pop_front();
        LiveSnapshot s = snapshot();
        {
            std::lock_guard lock(mutex);
            latest = s;
        }
        if (callback) {
            try {
                callback(s);
            } catch (...) {
                // The app's handler must not take the feed down.
            }
        }
    }
}

LiveFeed::LiveFeed(EventBus& bus, LiveFeedOptions options, Callback on_snapshot)
    : state_(std::make_unique<State>(bus, options, std::move(on_snapshot))) {
    State* s = state_.get();
    s->subscription = bus.subscribe([s](std::span<const Event> batch) { s->ring.push(batch); });
    try {
        s->thread = std::thread([s] { s->run(); });
    } catch (...) {
        bus.unsubscribe(s->subscription);
        throw;
    }
}

LiveFeed::~LiveFeed() {
    stop();
}

void LiveFeed::stop() {
    if (!state_) return;
    if (state_->subscription) state_->bus.unsubscribe(state_->subscription);
    state_->subscription = 0;
    {
        std::lock_guard lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_one();
    if (state_->thread.joinable()) state_->thread.join();
}

LiveSnapshot LiveFeed::latest() const {
    std::lock_guard lock(state_->mutex);
    return state_->latest;
}

} // namespace hoard::telemetry
