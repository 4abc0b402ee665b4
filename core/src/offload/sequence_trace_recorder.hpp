#pragma once
// Records a running model's routing into a trace of its own (for
// `hoard run --trace-out` and Model::start_routing_trace): a TraceRecorder
// that starts a new sequence whenever evaluation starts over at position 0.
#include "model/routing_observer.hpp"
#include "offload/routing_trace.hpp"
#include "offload/trace_recorder.hpp"

#include <filesystem>

namespace hoard::model {
class Model;
}

namespace hoard::offload {

class SequenceTraceRecorder final : public model::RoutingObserver {
  public:
    explicit SequenceTraceRecorder(const model::Model& model);
    void on_routing(const model::RoutingDecision& decision) override;

    const RoutingTrace& trace() const { return trace_; }
    size_t n_tokens() const { return trace_.n_tokens(); }
    // Writes the trace with the model's shape in its header (so it replays
    // without the model); returns the tokens written.
    size_t write(const std::filesystem::path& path) const;

  private:
    const model::Model& model_;
    RoutingTrace trace_;
    TraceRecorder recorder_;
};

} // namespace hoard::offload
