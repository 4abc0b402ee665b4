#pragma once
// Records the routing of a running model into a RoutingTrace (for
// `hoard run --trace-out`): plug it into the forward pass as its routing
// observer; start a sequence whenever the session starts over.
#include "model/routing_observer.hpp"
#include "offload/routing_trace.hpp"

namespace hoard::offload {

class TraceRecorder final : public model::RoutingObserver {
  public:
    explicit TraceRecorder(RoutingTrace& trace) : trace_(trace) {}
    // Following decisions belong to a new sequence with this id.
    void begin_sequence(int64_t id);
    // Throws hoard::Error for decisions the trace cannot hold.
    void on_routing(const model::RoutingDecision& decision) override;

  private:
    RoutingTrace& trace_;
    size_t current_ = 0; // index of the sequence being recorded
    bool started_ = false;
};

} // namespace hoard::offload
