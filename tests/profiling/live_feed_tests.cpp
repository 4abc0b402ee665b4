// The live feed during real generation: snapshots arrive while tokens are
// generated, describe what the engine did, and stop when the feed stops.
#include "test_profiling.hpp"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

using namespace hoard;
using hoard::test::greedy_params;

namespace {

constexpr size_t kLayers = 4, kTopK = 2;

// Snapshots taken while generate() runs.
struct Watch {
    std::atomic<bool> generating{false};
    std::atomic<int> total{0};
    std::mutex mutex;
    std::vector<LiveSnapshot> during; // with decode tokens in their window

    void on_snapshot(const LiveSnapshot& s) {
        ++total;
        if (!generating.load() || s.decode_tokens == 0) return;
        std::lock_guard lock(mutex);
        during.push_back(s);
    }
};

// Decodes `n` tokens, pausing a little after each so that the feed's
// intervals fall inside generation.
void generate_slowly(Session& session, const std::vector<int32_t>& prompt, int32_t n,
                     Watch& watch) {
    watch.generating = true;
    session.generate(prompt, greedy_params(n), [](int32_t, std::string_view) {
        std::this_thread::sleep_for(std::chrono::milliseconds(4));
        return true;
    });
    watch.generating = false;
}

} // namespace

void TestProfiling::liveFeedDuringGeneration() {
    auto session = engine_->create_session(cpu_model_, 256);
    Watch watch;
    LiveFeed feed(*session, [&](const LiveSnapshot& s) { watch.on_snapshot(s); },
                  {.interval_seconds = 0.02, .window_seconds = 0.5});
    generate_slowly(*session, ref_.prompt, 80, watch);
    feed.stop();
    const int after_stop = watch.total.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    QCOMPARE(watch.total.load(), after_stop); // nothing after stop()

    std::lock_guard lock(watch.mutex);
    QVERIFY2(watch.during.size() >= 3, std::to_string(watch.during.size()).c_str());
    uint64_t previous_sequence = 0;
    for (const LiveSnapshot& s : watch.during) {
        QVERIFY(s.sequence > previous_sequence);
        previous_sequence = s.sequence;
        // The CPU engine: every selected expert resident, in high precision.
        QCOMPARE(s.layers.size(), kLayers);
        QCOMPARE(s.layer_hit_rates.size(), kLayers);
        for (double rate : s.layer_hit_rates) QCOMPARE(rate, 1.0);
        QCOMPARE(s.hit_rate, 1.0);
        QCOMPARE(s.high_fraction, 1.0);
        QCOMPARE(s.cpu_experts, uint64_t(0));
        QCOMPARE(s.host_to_device_bytes_per_second, 0.0);
        // Whole passes in each window: k experts per layer per token.
        QCOMPARE(s.total.selections(), (s.decode_tokens + s.prefill_tokens) * kLayers * kTopK);
        QVERIFY(s.tokens_per_second > 0);
        QVERIFY(s.covered_seconds > 0);
        QCOMPARE(s.dropped_events, uint64_t(0));
    }
    const LiveSnapshot last = feed.latest();
    QVERIFY(last.total_generated_tokens > 0);
    QVERIFY(last.total_generated_tokens <= 80);
}

void TestProfiling::liveFeedOnOffloadedModel() {
    const auto model = test::load_offloaded(*engine_, ref_, scratch("sidecars"));
    auto session = engine_->create_session(model, 128);
    Watch watch;
    LiveFeed feed(model, [&](const LiveSnapshot& s) { watch.on_snapshot(s); },
                  {.interval_seconds = 0.02, .window_seconds = 1.0});
    generate_slowly(*session, ref_.prompt, 60, watch);
    feed.stop();

    std::lock_guard lock(watch.mutex);
    QVERIFY2(watch.during.size() >= 3, std::to_string(watch.during.size()).c_str());
    bool missed = false, moved_bytes = false;
    for (const LiveSnapshot& s : watch.during) {
        QCOMPARE(s.layer_hit_rates.size(), kLayers);
        const double mix = s.high_fraction + s.low_fraction + s.cpu_fraction + s.skip_fraction;
        if (s.total.selections() > 0) QVERIFY(std::abs(mix - 1.0) < 1e-9);
        QCOMPARE(s.cpu_experts, s.total.cpu);
        missed = missed || s.hit_rate < 1.0;
        moved_bytes = moved_bytes || s.host_to_device_bytes_per_second > 0;
    }
    QVERIFY(missed);      // a third of the experts fit: some tokens miss
    QVERIFY(moved_bytes); // and loads cross the link
    QVERIFY(feed.latest().session_hit_rate < 1.0);
}
