#pragma once
// Plausible made-up telemetry (hit rates that drift by layer and over time, a
// precision mix, link traffic, speed): feeds the dashboard and its charts in
// tests and in the screenshot run, where no offloading engine is at work.
#include "telemetry/telemetry_feed.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace hoard::gui {

// The snapshot with this sequence number (1, 2, ...) of a synthetic run;
// the same arguments give the same snapshot.
TelemetrySnapshot syntheticSnapshot(uint64_t sequence, size_t layers, uint64_t seed = 1);
std::vector<TelemetrySnapshot> syntheticRun(size_t count, size_t layers, uint64_t seed = 1);

class SyntheticTelemetrySource : public TelemetrySource {
  public:
    SyntheticTelemetrySource(size_t layers, std::chrono::milliseconds interval, uint64_t seed = 1);
    ~SyntheticTelemetrySource() override;
    void start(TelemetryFeed& feed) override;
    void stop() override;

  private:
    size_t layers_;
    std::chrono::milliseconds interval_;
    uint64_t seed_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace hoard::gui
