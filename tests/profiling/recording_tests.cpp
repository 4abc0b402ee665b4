// Real generation recorded through the facade: the CPU engine's passes and
// routing, concurrent sessions, the routing trace alongside, and the offload
// engine's loads and hits.
#include "test_profiling.hpp"

#include "telemetry/event_bus.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

using namespace hoard;
using hoard::test::greedy_params;

namespace {

constexpr size_t kLayers = 4, kTopK = 2; // tiny-mixtral
constexpr int32_t kDecode = 16;
constexpr size_t kChunk = 8; // the 31-token prompt in passes of 8, 8, 8 and 7

// Sums each layer's windows.
std::map<uint32_t, LayerActivity> per_layer(const std::vector<RecordedLayerWindow>& windows) {
    std::map<uint32_t, LayerActivity> out;
    for (const RecordedLayerWindow& w : windows) out[w.layer] += w.activity;
    return out;
}

// Counts what a bus carries, and its flushes.
struct BusTally {
    std::atomic<uint64_t> batches{0}, tokens{0}, experts{0}, layers{0}, token_sum{0};
    std::atomic<uint64_t> non_hits{0};
    void add(std::span<const telemetry::Event> batch) {
        ++batches;
        for (const telemetry::Event& e : batch) {
            if (const auto* t = std::get_if<telemetry::TokenEvent>(&e)) {
                ++tokens;
                token_sum += t->n_tokens;
            } else if (const auto* x = std::get_if<telemetry::ExpertEvent>(&e)) {
                ++experts;
                if (x->action != telemetry::ExpertAction::HitHigh) ++non_hits;
            } else if (std::holds_alternative<telemetry::LayerEvent>(e)) {
                ++layers;
            }
        }
    }
};

} // namespace

void TestProfiling::cpuSessionRecordsEveryPass() {
    ProfileStore store = ProfileStore::open(scratch("cpu.db"));
    auto session = engine_->create_session(cpu_model_, 128);
    const GenerationParams params = greedy_params(kDecode, kChunk);
    const auto wall_start = std::chrono::steady_clock::now();
    Recording recording = store.record(*session, {.generation = params});
    QVERIFY2(recording.active(), recording.error().c_str());
    QVERIFY(recording.session_id() > 0);
    QCOMPARE(recording.database(), store.path());
    const std::vector<int32_t> tokens = test::generate_tokens(*session, ref_.prompt, params);
    recording.stop();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    QVERIFY2(!recording.failed(), recording.error().c_str());
    QVERIFY(!recording.active());
    QCOMPARE(tokens, ref_.greedy); // recording changes nothing

    const auto s = store.session(recording.session_id());
    QVERIFY(s.has_value());
    QCOMPARE(s->status, std::string("complete"));
    QCOMPARE(s->prompt_tokens, uint64_t(ref_.prompt.size()));
    QCOMPARE(s->generated_tokens, uint64_t(kDecode));
    QCOMPARE(s->dropped_events, uint64_t(0));
    QCOMPARE(s->model_path, std::filesystem::absolute(ref_.model).string());
    QVERIFY2(s->model_hash.starts_with("hfp1-"), s->model_hash.c_str());
    QCOMPARE(s->policy, std::string("cpu (all experts resident)"));
    QCOMPARE(s->device_budget_bytes, uint64_t(0));
    const auto settings = nlohmann::json::parse(s->settings_json);
    QCOMPARE(settings.at("engine").get<std::string>(), std::string("cpu"));
    QCOMPARE(settings.at("sampling").at("greedy").get<bool>(), true);
    QCOMPARE(settings.at("max_tokens").get<int>(), kDecode);
    QCOMPARE(settings.at("prefill_chunk").get<size_t>(), kChunk);
    QVERIFY(nlohmann::json::parse(s->hardware_json).contains("logical_cores"));

    // One row per forward pass: prefill chunks at 0, 8, 16, 24, then one
    // decode step per generated token, in order and in time order.
    const std::vector<RecordedPass> passes = store.passes(recording.session_id());
    QCOMPARE(passes.size(), size_t(4 + kDecode));
    uint32_t position = 0;
    double previous_end = 0;
    for (size_t i = 0; i < passes.size(); ++i) {
        const RecordedPass& p = passes[i];
        const uint32_t n = i < 4 ? uint32_t(std::min<size_t>(kChunk, 31 - position)) : 1;
        QCOMPARE(p.token_index, position);
        QCOMPARE(p.n_tokens, n);
        QCOMPARE(p.prefill, i < 4);
        QVERIFY(p.t_start >= previous_end);
        QVERIFY(p.t_end >= p.t_start);
        previous_end = p.t_end;
        position += n;
    }
    // Times count from the recording's start, not from the model's load.
    QVERIFY2(passes.front().t_start < wall, std::to_string(passes.front().t_start).c_str());
    QVERIFY(passes.back().t_end <= wall);
    QVERIFY(s->prefill_seconds > 0 && s->decode_seconds > 0);
    QVERIFY(s->decode_tokens_per_second() > 0);

    // Every routing decision: n_layer × top-k per token, all resident.
    const std::vector<RecordedLayerWindow> windows = store.layer_windows(recording.session_id());
    QVERIFY(!windows.empty());
    const uint64_t per_layer_selections = (ref_.prompt.size() + kDecode) * kTopK;
    const auto layers = per_layer(windows);
    QCOMPARE(layers.size(), kLayers);
    for (const auto& [layer, a] : layers) {
        QCOMPARE(a.selections(), per_layer_selections);
        QCOMPARE(a.hit_high, per_layer_selections);
        QCOMPARE(a.transfers + a.load_high + a.load_low + a.cpu, uint64_t(0));
    }
    uint32_t first = UINT32_MAX, last = 0, window_passes = 0;
    std::map<uint64_t, uint32_t> passes_by_window;
    for (const RecordedLayerWindow& w : windows) {
        first = std::min(first, w.token_first);
        last = std::max(last, w.token_last);
        QVERIFY(w.t_end >= w.t_start);
        passes_by_window[w.window_index] = w.passes;
    }
    for (const auto& [index, n] : passes_by_window) window_passes += n;
    QCOMPARE(first, 0u);
    QCOMPARE(last, uint32_t(ref_.prompt.size() + kDecode - 1));
    QCOMPARE(size_t(window_passes), passes.size());

    // The session's own totals say the same.
    QCOMPARE(s->layers.size(), kLayers);
    for (const LayerActivity& a : s->layers) QCOMPARE(a.hit_high, per_layer_selections);
    QCOMPARE(s->total.selections(), per_layer_selections * kLayers);
    QCOMPARE(s->total.hit_rate(), 1.0);
}

void TestProfiling::cpuEnginePublishesOncePerPass() {
    // The CPU engine publishes each pass once, flushed as one batch.
    {
        BusTally tally;
        telemetry::EventBus& bus = cpu_model_->event_bus();
        const uint64_t id =
            bus.subscribe([&](std::span<const telemetry::Event> batch) { tally.add(batch); });
        auto session = engine_->create_session(cpu_model_, 128);
        test::generate_tokens(*session, ref_.prompt, greedy_params(kDecode, kChunk));
        bus.unsubscribe(id);
        QCOMPARE(tally.batches.load(), uint64_t(4 + kDecode));
        QCOMPARE(tally.tokens.load(), uint64_t(4 + kDecode));
        QCOMPARE(tally.token_sum.load(), uint64_t(ref_.prompt.size() + kDecode));
        QCOMPARE(tally.experts.load(), (ref_.prompt.size() + kDecode) * kLayers * kTopK);
        QCOMPARE(tally.layers.load(), (4 + kDecode) * kLayers);
        QCOMPARE(tally.non_hits.load(), uint64_t(0));
    }
    // Offloaded, the executor publishes and the CPU publisher stays out: one
    // token event and one layer event per layer per pass, not two.
    const auto model = test::load_offloaded(*engine_, ref_, scratch("sidecars"));
    QVERIFY(model->offloaded());
    BusTally tally;
    const uint64_t id = model->event_bus().subscribe(
        [&](std::span<const telemetry::Event> batch) { tally.add(batch); });
    auto session = engine_->create_session(model, 128);
    test::generate_tokens(*session, ref_.prompt, greedy_params(kDecode, kChunk));
    model->event_bus().unsubscribe(id);
    QCOMPARE(tally.tokens.load(), uint64_t(4 + kDecode));
    QCOMPARE(tally.token_sum.load(), uint64_t(ref_.prompt.size() + kDecode));
    QCOMPARE(tally.layers.load(), (4 + kDecode) * kLayers);
    QVERIFY(tally.non_hits.load() > 0); // the executor's decisions, not HitHigh for all
}

void TestProfiling::concurrentSessionsAreRecordedTogether() {
    // Two sequences evaluate on one model at once: each pass is published
    // whole, and the recording holds both.
    ProfileStore store = ProfileStore::open(scratch("concurrent.db"));
    auto a = engine_->create_session(cpu_model_, 128);
    auto b = engine_->create_session(cpu_model_, 128);
    const GenerationParams params = greedy_params(kDecode, kChunk);
    Recording recording = store.record(cpu_model_, {.generation = params});
    QVERIFY2(recording.active(), recording.error().c_str());
    std::vector<int32_t> from_b;
    std::thread other([&] { from_b = test::generate_tokens(*b, ref_.prompt, params); });
    const std::vector<int32_t> from_a = test::generate_tokens(*a, ref_.prompt, params);
    other.join();
    recording.stop();
    QCOMPARE(from_a, ref_.greedy);
    QCOMPARE(from_b, ref_.greedy);

    const auto passes = store.passes(recording.session_id());
    QCOMPARE(passes.size(), size_t(2 * (4 + kDecode)));
    std::map<uint32_t, int> starts;
    for (const RecordedPass& p : passes) ++starts[p.token_index];
    for (const auto& [index, count] : starts) QCOMPARE(count, 2);
    const auto s = store.session(recording.session_id());
    QVERIFY(s.has_value());
    QCOMPARE(s->generated_tokens, uint64_t(2 * kDecode));
    for (const auto& [layer, activity] : per_layer(store.layer_windows(recording.session_id())))
        QCOMPARE(activity.hit_high, 2 * (ref_.prompt.size() + kDecode) * kTopK);
}

void TestProfiling::routingTraceAndRecordingTogether() {
    // The routing trace and the CPU publisher both watch the routing.
    ProfileStore store = ProfileStore::open(scratch("trace.db"));
    auto session = engine_->create_session(cpu_model_, 128);
    const GenerationParams params = greedy_params(kDecode, kChunk);
    cpu_model_->start_routing_trace();
    Recording recording = store.record(*session, {.generation = params});
    test::generate_tokens(*session, ref_.prompt, params);
    recording.stop();
    const auto trace_path = scratch("routing.jsonl");
    QCOMPARE(cpu_model_->stop_routing_trace(trace_path), ref_.prompt.size() + kDecode);
    QVERIFY(std::filesystem::file_size(trace_path) > 0);
    const auto s = store.session(recording.session_id());
    QVERIFY(s.has_value());
    QCOMPARE(s->total.hit_high, (ref_.prompt.size() + kDecode) * kTopK * kLayers);

    // Without the trace, recording still sees every pass.
    session->reset();
    Recording again = store.record(*session);
    test::generate_tokens(*session, ref_.prompt, params);
    again.stop();
    QCOMPARE(store.passes(again.session_id()).size(), size_t(4 + kDecode));
}

void TestProfiling::offloadedSessionRecordsLoadsAndHits() {
    OffloadOptions options;
    const auto model = test::load_offloaded(*engine_, ref_, scratch("sidecars"), &options);
    QVERIFY(model->offloaded());
    ProfileStore store = ProfileStore::open(scratch("offload.db"));
    auto session = engine_->create_session(model, 128);
    const GenerationParams params = greedy_params(kDecode, kChunk);
    Recording recording = store.record(*session, {.generation = params});
    QVERIFY2(recording.active(), recording.error().c_str());
    const std::vector<int32_t> tokens = test::generate_tokens(*session, ref_.prompt, params);
    recording.stop();
    QVERIFY2(!recording.failed(), recording.error().c_str());
    QCOMPARE(tokens, ref_.greedy); // high precision: the same tokens

    const auto s = store.session(recording.session_id());
    QVERIFY(s.has_value());
    QCOMPARE(s->status, std::string("complete"));
    QCOMPARE(s->dropped_events, uint64_t(0));
    QCOMPARE(s->device_budget_bytes, options.device_bytes);
    QCOMPARE(s->policy, options.policy);
    const auto settings = nlohmann::json::parse(s->settings_json);
    QCOMPARE(settings.at("engine").get<std::string>(), std::string("offload"));
    QCOMPARE(settings.at("offload").at("device_bytes").get<uint64_t>(), options.device_bytes);
    const auto hardware = nlohmann::json::parse(s->hardware_json);
    QVERIFY(hardware.at("device").get<std::string>().find("simulated") != std::string::npos);
    QCOMPARE(store.passes(recording.session_id()).size(), size_t(4 + kDecode));
    QCOMPARE(s->prompt_tokens, uint64_t(ref_.prompt.size()));
    QCOMPARE(s->generated_tokens, uint64_t(kDecode));

    // Loads and hits, and exactly the decisions the engine counted (the model
    // was recorded from its first pass).
    const LayerActivity& t = s->total;
    QVERIFY(t.load_high > 0);
    QVERIFY(t.hit_high > 0);
    QVERIFY(t.transfers > 0 && t.bytes_host_to_device > 0);
    QVERIFY(t.hit_rate() > 0 && t.hit_rate() < 1);
    const OffloadCounters c = model->offload_counters();
    const uint64_t recorded[] = {t.hit_high, t.hit_low, t.load_high, t.load_low, t.cpu, t.skip};
    for (size_t a = 0; a < c.actions.size(); ++a)
        QVERIFY2(recorded[a] == c.actions[a], offload_action_name(a));
    QVERIFY(t.transfers <= c.transfers + c.transfers_cancelled);
    QCOMPARE(s->layers.size(), kLayers);
    for (size_t l = 0; l < kLayers; ++l) {
        QCOMPARE(s->layers[l].hits(), c.layer_hits[l]);
        QCOMPARE(s->layers[l].selections(), c.layer_requests[l]);
    }
}

void TestProfiling::recordingNeverThrows() {
    Recording none;
    QVERIFY(!none.active() && !none.failed());
    QCOMPARE(none.session_id(), int64_t(0));
    none.stop();

    ProfileStore store = ProfileStore::open(scratch("never.db"));
    Recording no_model = store.record(std::shared_ptr<const Model>());
    QVERIFY(no_model.failed());
    QVERIFY(!no_model.error().empty());
    QCOMPARE(no_model.session_id(), int64_t(0));

    // A database path that cannot exist: reported, not thrown.
    auto session = engine_->create_session(cpu_model_, 128);
    const std::filesystem::path file = scratch("a-file");
    std::ofstream(file) << "x";
    Recording bad = Recording::start(*session, file / "hoard.db");
    QVERIFY(bad.failed());
    QVERIFY2(bad.error().find(file.string()) != std::string::npos, bad.error().c_str());
    QCOMPARE(test::generate_tokens(*session, ref_.prompt, greedy_params(kDecode)), ref_.greedy);
    bad.stop();

    // Moving a recording keeps it going; stopping twice is harmless.
    Recording first = store.record(*session);
    const int64_t id = first.session_id();
    Recording moved = std::move(first);
    QCOMPARE(moved.session_id(), id);
    moved.stop();
    moved.stop();
    QCOMPARE(store.session(id)->status, std::string("complete"));
}
