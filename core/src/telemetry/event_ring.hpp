#pragma once
// A fixed-size single-producer, single-consumer queue of events between the
// engine thread (inside EventBus::flush) and a subscriber's own thread. The
// producer never waits: what does not fit is dropped and counted. EventBus
// calls subscribers under its mutex, so pushes from successive flushing
// threads are already ordered; one consumer thread pops.
#include "telemetry/events.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

namespace hoard::telemetry {

class EventRing {
  public:
    static_assert(std::is_trivially_copyable_v<Event>, "events are copied as plain bytes");

    // Capacity is rounded up to a power of two (at least 2).
    explicit EventRing(size_t capacity) {
        size_t rounded = 2;
        while (rounded < capacity) rounded *= 2;
        slots_ = std::make_unique<Event[]>(rounded);
        mask_ = rounded - 1;
    }

    size_t capacity() const { return mask_ + 1; }

    // Producer: copies what fits of `batch`; returns how many were dropped.
    size_t push(std::span<const Event> batch) {
        const size_t head = head_.load(std::memory_order_relaxed);
        const size_t tail = tail_.load(std::memory_order_acquire);
        const size_t room = capacity() - (head - tail);
        const size_t n = std::min(room, batch.size());
        for (size_t i = 0; i < n; ++i) slots_[(head + i) & mask_] = batch[i];
        head_.store(head + n, std::memory_order_release);
        const size_t dropped = batch.size() - n;
        if (dropped) dropped_.fetch_add(dropped, std::memory_order_relaxed);
        return dropped;
    }

    // Consumer: appends up to `max` events to `out`; returns how many.
    size_t pop(std::vector<Event>& out, size_t max) {
        const size_t tail = tail_.load(std::memory_order_relaxed);
        const size_t head = head_.load(std::memory_order_acquire);
        const size_t n = std::min(head - tail, max);
        for (size_t i = 0; i < n; ++i) out.push_back(slots_[(tail + i) & mask_]);
        tail_.store(tail + n, std::memory_order_release);
        return n;
    }

    size_t size() const {
        return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
    }
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  private:
    std::unique_ptr<Event[]> slots_;
    size_t mask_ = 1;
    alignas(64) std::atomic<size_t> head_{0}; // next slot the producer writes
    alignas(64) std::atomic<size_t> tail_{0}; // next slot the consumer reads
    alignas(64) std::atomic<uint64_t> dropped_{0};
};

} // namespace hoard::telemetry
