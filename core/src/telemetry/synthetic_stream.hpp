#pragma once
// A made-up but plausible stream of offload events for a decode loop (what a
// Mixtral-like model on a too-small GPU would publish), for the recorder's
// benchmark and for trying the profiling tools without the offload engine.
#include "telemetry/event_bus.hpp"

#include <cstdint>

namespace hoard::telemetry {

struct SyntheticShape {
    uint16_t layers = 32;
    uint16_t experts = 8;
    uint16_t top_k = 2;
    // Shares of selected experts by action; the rest is skipped.
    double hit_high = 0.55, hit_low = 0.15, load_high = 0.1, load_low = 0.1, cpu = 0.08;
    uint64_t expert_bytes_high = 99'000'000, expert_bytes_low = 44'000'000;
    uint16_t prefetches_per_layer = 2;
    double seconds_per_token = 0.05; // engine time a decode step takes
};

class SyntheticStream {
  public:
    explicit SyntheticStream(SyntheticShape shape = {}, uint64_t seed = 1);

    // Publishes one forward pass (a decode step, or a prefill chunk of
    // n_tokens) without flushing; returns how many events it published.
    size_t publish_pass(EventBus& bus, uint32_t n_tokens = 1, bool prefill = false);

    uint32_t next_token() const { return token_; }
    double time() const { return time_; }

  private:
    double uniform();

    SyntheticShape shape_;
    uint64_t state_;
    uint32_t token_ = 0;
    double time_ = 0;
};

} // namespace hoard::telemetry
