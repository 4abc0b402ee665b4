#pragma once
// Turns the event stream into rows: per-token timings, transfers, prefetch
// outcomes and timeline spans one row each, and expert decisions summed per
// layer over short windows rather than a row per decision.
//
// A window closes on a forward pass's TokenEvent once it spans
// `window_seconds` of engine time or holds `window_passes` passes; events are
// counted in the window that is open when they arrive (the engine publishes a
// pass's expert events before its TokenEvent).
#include "telemetry/layer_counters.hpp"
#include "telemetry/record_batch.hpp"

#include <chrono>
#include <cstdint>

namespace hoard::telemetry {

class WindowAggregator {
  public:
    WindowAggregator(double window_seconds, uint32_t window_passes, bool record_spans);

    void add(const Event& event, RecordBatch& out);
    // Emits the open window's rows (one per layer that saw anything).
    void close_window(RecordBatch& out);

    bool window_has_content() const { return has_content_; }
    // Wall-clock age of the open window, so that a stream without token
    // events is still written at least once per second.
    double window_age_seconds() const;

    uint64_t prompt_tokens() const { return prompt_tokens_; }
    uint64_t generated_tokens() const { return generated_tokens_; }
    // Events refused because they named a layer past LayerTable::kMaxLayers.
    uint64_t refused_events() const { return refused_; }

  private:
    void touch(uint32_t token_first, uint32_t token_last);
    void time(double t_start, double t_end);
    void add_token(const TokenEvent& e, RecordBatch& out);

    double window_seconds_;
    uint32_t window_passes_;
    bool record_spans_;

    LayerTable layers_;
    bool has_content_ = false;
    bool has_time_ = false;
    double t_min_ = 0, t_max_ = 0, last_time_ = 0;
    uint32_t token_first_ = 0, token_last_ = 0;
    uint32_t passes_ = 0;
    uint64_t window_index_ = 0;
    std::chrono::steady_clock::time_point opened_{};

    uint64_t prompt_tokens_ = 0, generated_tokens_ = 0, refused_ = 0;
};

} // namespace hoard::telemetry
