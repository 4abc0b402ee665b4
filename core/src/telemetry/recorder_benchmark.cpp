#include "telemetry/recorder_benchmark.hpp"

#include "telemetry/profile_store.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <system_error>
#include <thread>
#include <vector>

namespace hoard::telemetry {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The stream is generated once up front, so that the measurements time the
// publishing, not the random numbers.
std::vector<std::vector<Event>> generate(const SyntheticShape& shape, uint32_t tokens) {
    EventBus bus;
    std::vector<std::vector<Event>> passes;
    bus.subscribe(
        [&](std::span<const Event> batch) { passes.emplace_back(batch.begin(), batch.end()); });
    SyntheticStream stream(shape, 7);
    for (uint32_t t = 0; t < tokens; ++t) {
        stream.publish_pass(bus);
        bus.flush();
    }
    return passes;
}

SessionInfo benchmark_session(const char* what) {
    SessionInfo info;
    info.model_path = "(synthetic stream)";
    info.model_name = what;
    info.hardware = nlohmann::json::object();
    info.policy = "benchmark";
    return info;
}

uint64_t files_size(const std::filesystem::path& db) {
    uint64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const uint64_t size = std::filesystem::file_size(db.string() + suffix, ec);
        if (!ec) total += size;
    }
    return total;
}

// Publishes `passes` (cycling) until `events` were published; returns the
// median over passes of the time per event spent inside publish + flush (the
// median, because on a busy machine a pass now and then is preempted). Keeps
// the queue under half full when `recorder` is given, so that what is timed is
// copying, not dropping.
double publish(EventBus& bus, const std::vector<std::vector<Event>>& passes, uint64_t events,
               const Recorder* recorder, size_t capacity) {
    std::vector<double> per_event;
    uint64_t done = 0;
    for (size_t i = 0; done < events; i = (i + 1) % passes.size()) {
        while (recorder && recorder->queued_events() > capacity / 2)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        const auto start = Clock::now();
        for (const Event& e : passes[i]) bus.publish(e);
        bus.flush();
        per_event.push_back(seconds_since(start) / double(std::max<size_t>(1, passes[i].size())));
        done += passes[i].size();
    }
    std::nth_element(per_event.begin(), per_event.begin() + per_event.size() / 2, per_event.end());
    return per_event[per_event.size() / 2];
}

// A fixed amount of arithmetic standing in for a decode step's compute.
double compute(uint64_t iterations) {
    double x = 1.0, y = 0.5;
    for (uint64_t i = 0; i < iterations; ++i) {
        x = x * 0.999999 + y;
        y = y * 0.999998 + 1e-9 * x;
    }
    return x + y;
}

uint64_t calibrate(double seconds) {
    uint64_t iterations = 1 << 16;
    volatile double sink = 0;
    for (;;) {
        // The fastest of three: on a busy machine some runs are preempted.
        double took = 1e30;
        for (int run = 0; run < 3; ++run) {
            const auto start = Clock::now();
            sink = sink + compute(iterations);
            took = std::min(took, seconds_since(start));
        }
        if (took > 0.02 || iterations > (uint64_t(1) << 40))
            return static_cast<uint64_t>(double(iterations) * seconds / std::max(took, 1e-9));
        iterations *= 4;
    }
}

} // namespace

RecorderBenchmark measure_recorder_overhead(const std::filesystem::path& database,
                                            const RecorderBenchmarkOptions& options) {
    RecorderBenchmark result;
    ProfileStore store = ProfileStore::open(database);
    const auto passes = generate(options.shape, std::max<uint32_t>(1, options.tokens));
    uint64_t stream_events = 0;
    for (const auto& p : passes) stream_events += p.size();
    result.events_per_token = double(stream_events) / double(passes.size());

    RecorderOptions recorder_options;
    const size_t capacity = recorder_options.queue_capacity;
    {
        EventBus bus;
        result.publish_ns_per_event_baseline =
            publish(bus, passes, stream_events, nullptr, capacity) * 1e9;
    }
    {
        EventBus bus;
        Recorder recorder = store.begin_session(benchmark_session("publisher cost"), bus);
        result.publish_ns_per_event_recording =
            publish(bus, passes, stream_events, &recorder, capacity) * 1e9;
        recorder.end();
        result.dropped_events = recorder.dropped_events();
    }
    {
        EventBus bus;
        const uint64_t size_before = files_size(database);
        Recorder recorder = store.begin_session(benchmark_session("throughput"), bus);
        const auto start = Clock::now();
        publish(bus, passes, options.throughput_events, &recorder, capacity * 3 / 2);
        recorder.end();
        const double took = seconds_since(start);
        const RecorderStats stats = recorder.stats();
        const double events = double(stats.received_events);
        result.sustained_events_per_second = events / took;
        result.writer_cpu_ns_per_event = stats.writer_cpu_seconds * 1e9 / std::max(events, 1.0);
        result.database_bytes_per_event =
            double(files_size(database) - std::min(files_size(database), size_before)) /
            std::max(events, 1.0);
    }
    if (options.decode_compute_seconds > 0 && options.decode_tokens > 0) {
        const uint64_t iterations = calibrate(options.decode_compute_seconds);
        volatile double sink = 0;
        auto decode = [&](bool record) {
            EventBus bus;
            Recorder recorder;
            if (record) recorder = store.begin_session(benchmark_session("decode loop"), bus);
            const auto start = Clock::now();
            for (uint32_t t = 0; t < options.decode_tokens; ++t) {
                sink = sink + compute(iterations);
                for (const Event& e : passes[t % passes.size()]) bus.publish(e);
                bus.flush();
            }
            const double took = seconds_since(start);
            recorder.end();
            return double(options.decode_tokens) / took;
        };
        for (uint32_t round = 0; round < std::max<uint32_t>(1, options.decode_rounds); ++round) {
            result.decode_tokens_per_second_without =
                std::max(result.decode_tokens_per_second_without, decode(false));
            result.decode_tokens_per_second_with =
                std::max(result.decode_tokens_per_second_with, decode(true));
        }
        result.decode_overhead =
            1.0 - result.decode_tokens_per_second_with / result.decode_tokens_per_second_without;
    }
    return result;
}

} // namespace hoard::telemetry
