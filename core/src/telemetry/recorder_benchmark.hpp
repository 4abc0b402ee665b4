#pragma once
// Measures what recording costs: the engine thread's cost per published event
// (with a recorder subscribed, and with nobody listening), the rate the
// writer sustains, its CPU time per event, and the slowdown of a decode-like
// loop (fixed compute per token plus a synthetic event stream) when recorded.
#include "telemetry/synthetic_stream.hpp"

#include <cstdint>
#include <filesystem>

namespace hoard::telemetry {

struct RecorderBenchmarkOptions {
    SyntheticShape shape;                   // the event stream per decode step
    uint32_t tokens = 2000;                 // decode steps for the publisher measurements
    uint64_t throughput_events = 2'000'000; // for the sustained-rate measurement
    // The decode-like loop: compute per token (0: skip this part) and rounds
    // of (without, with) runs; the best of each is compared.
    double decode_compute_seconds = 0.02;
    uint32_t decode_tokens = 100;
    uint32_t decode_rounds = 3;
};

struct RecorderBenchmark {
    double events_per_token = 0;
    // Median per decode step of publish + flush time per event, with a recorder
    // subscribed and with nobody listening.
    double publish_ns_per_event_recording = 0;
    double publish_ns_per_event_baseline = 0;
    uint64_t dropped_events = 0;            // during the publisher measurement
    double sustained_events_per_second = 0; // writer throughput, queue kept from overflowing
    double writer_cpu_ns_per_event = 0;
    double database_bytes_per_event = 0;
    double decode_tokens_per_second_without = 0;
    double decode_tokens_per_second_with = 0;
    double decode_overhead = 0; // 1 - with / without (can be slightly negative: noise)
};

// Records into fresh sessions of the database at `database` (a scratch file:
// it is created if needed and grows by the benchmark's sessions).
RecorderBenchmark measure_recorder_overhead(const std::filesystem::path& database,
                                            const RecorderBenchmarkOptions& options = {});

} // namespace hoard::telemetry
