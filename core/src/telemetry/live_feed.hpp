#pragma once
// The app's live view of a generation: a subscriber that sums events and, on
// its own timer thread, delivers a snapshot every `interval_seconds`: per-layer
// hit rates, the precision mix, link traffic, tokens/s and CPU-computed
// experts over the last `window_seconds`. The engine thread only copies events
// into a bounded queue; the callback runs on the feed's thread (the app
// forwards it to the GUI thread through a queued signal).
#include "telemetry/event_bus.hpp"
#include "telemetry/layer_counters.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace hoard::telemetry {

struct LiveFeedOptions {
    double interval_seconds = 0.1; // 10 snapshots a second
    double window_seconds = 1.0;   // what each snapshot sums over (wall time)
    size_t queue_capacity = size_t(1) << 15;
};

struct LiveSnapshot {
    uint64_t sequence = 0;  // 1, 2, 3, ... one per interval
    double engine_time = 0; // latest event time seen (session seconds)
    // Engine time covered by the window's forward passes and transfers: the
    // rates below are per second of it.
    double covered_seconds = 0;
    uint64_t decode_tokens = 0, prefill_tokens = 0; // in the window
    double tokens_per_second = 0;                   // decode
    double prefill_tokens_per_second = 0;
    double host_to_device_bytes_per_second = 0;
    double storage_to_host_bytes_per_second = 0;

    // Everything the window saw, and per layer (index = layer).
    LayerCounters total;
    std::vector<LayerCounters> layers;
    double hit_rate = 0; // total.hit_rate()
    // Precision mix: the share of selected experts run in high precision
    // (resident or loaded), low precision, on the CPU, or skipped.
    double high_fraction = 0, low_fraction = 0, cpu_fraction = 0, skip_fraction = 0;
    uint64_t cpu_experts = 0; // computed on the CPU in the window

    // Since the feed started.
    uint64_t total_generated_tokens = 0;
    double session_hit_rate = 0;
    uint64_t dropped_events = 0; // queue overflow
};

class LiveFeed {
  public:
    using Callback = std::function<void(const LiveSnapshot& snapshot)>;

    // Subscribes to `bus` (which must outlive the feed) and starts the timer
    // thread; `on_snapshot` may be empty (then poll latest()).
    LiveFeed(EventBus& bus, LiveFeedOptions options, Callback on_snapshot);
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;
    ~LiveFeed();

    // Unsubscribes and stops the thread; no callback runs after it returns.
    void stop();
    LiveSnapshot latest() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace hoard::telemetry
