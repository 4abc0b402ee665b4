#pragma once
// The plain CPU engine's telemetry: when a model runs without the offload
// engine, nothing else publishes, so this routing observer turns each forward
// pass into events on the model's bus: every selected expert as a
// high-precision hit (all experts are resident in memory), each layer's span
// and one TokenEvent, flushed once per pass. Times are seconds on the model's
// clock (since it was loaded), as the offload engine's are.
//
// It costs one subscriber check per pass while nobody listens. Passes of
// different sequences may run at once on different threads: each thread
// collects its own pass, which is published as a whole under a lock. Calls
// pass on to another observer (the routing trace) when one is set.
#include "model/routing_observer.hpp"
#include "telemetry/event_bus.hpp"

#include <chrono>
#include <mutex>

namespace hoard::api {

class CpuTelemetryPublisher final : public model::RoutingObserver {
  public:
    using Clock = std::chrono::steady_clock;

    CpuTelemetryPublisher(telemetry::EventBus& bus, Clock::time_point epoch)
        : bus_(bus), epoch_(epoch) {}

    // Also called with every decision and pass (nullptr: none). Set between
    // evaluations, as the model's own observer is.
    void set_next(model::RoutingObserver* next) { next_ = next; }

    void on_pass_begin(size_t first_position, size_t n_tokens) override;
    void on_routing(const model::RoutingDecision& decision) override;
    void on_layer_end(size_t layer) override;
    void on_pass_end(bool completed) override;
    bool wants_routing() const override;

  private:
    double now() const;

    telemetry::EventBus& bus_;
    Clock::time_point epoch_;
    model::RoutingObserver* next_ = nullptr;
    std::mutex publish_mutex_; // the bus takes one publishing thread at a time
};

} // namespace hoard::api
