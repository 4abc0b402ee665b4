#pragma once
// Carries telemetry events from the engine to whoever listens (the SQLite
// recorder, the live feed). The engine thread publishes into a buffer and
// flushes once per forward pass; subscribers receive the batch on that thread
// and must only copy it (they do their work on their own threads).
#include "telemetry/events.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace hoard::telemetry {

class EventBus {
  public:
    using Subscriber = std::function<void(std::span<const Event> batch)>;

    // Returns an id for unsubscribe(). Safe from any thread.
    uint64_t subscribe(Subscriber subscriber);
    void unsubscribe(uint64_t id);
    bool has_subscribers() const;

    // From the engine thread only.
    void publish(const Event& event) { buffer_.push_back(event); }
    void flush();

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<uint64_t, Subscriber>> subscribers_;
    uint64_t next_id_ = 1;
    std::vector<Event> buffer_;
};

} // namespace hoard::telemetry
