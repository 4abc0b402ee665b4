// Offload layer: routing traces (the shared real trace, our own format,
// malformed input), model shapes, budget plans, cache policies on hand-made
// traces, the precision and CPU-fallback decisions, prefetch prediction, and
// trace replay (budget never exceeded, Belady never beaten, speed, telemetry).
#include "test_offload.hpp"

#include "common/conformance.hpp"
#include "gguf/gguf_file.hpp"
#include "offload/byte_size.hpp"
#include "offload/copy_queue.hpp"
#include "offload/expert_predictor.hpp"
#include "offload/multi_policy.hpp"
#include "offload/trace_file.hpp"
#include "offload/trace_recorder.hpp"
#include "offload_fixtures.hpp"
#include "telemetry/event_bus.hpp"

#include <QtTest>

#include <filesystem>
#include <sstream>

using namespace hoard;
using namespace hoard::offload;
using offload::test::error_of;
using namespace offload_test;

// --- replay ---------------------------------------------------------------
void TestOffload::replayNeverExceedsTheBudget() {
    std::mt19937 rng(2024);
    int planned = 0, refused = 0;
    for (int round = 0; round < 150; ++round) {
        const uint32_t n_layer = 2 + rng() % 5, n_expert = 4 + rng() % 13;
        const uint32_t top_k = 1 + rng() % std::min(4u, n_expert);
        OffloadShape shape = offload::test::uniform_shape(n_layer, n_expert, top_k);
        for (uint32_t l = 0; l < n_layer; ++l) {
            shape.expert_bytes_high[l] = 50 + rng() % 150;
            shape.expert_bytes_low[l] = 10 + rng() % (shape.expert_bytes_high[l] - 10);
        }
        const RoutingTrace trace = offload::test::random_trace(rng, n_layer, n_expert, top_k,
                                                               1 + rng() % 2, 5 + rng() % 30);
        ReplayConfig c;
        c.policy = PolicyKind(rng() % 4);
        c.precision.mixed = rng() % 2;
        c.decision.cpu_fallback = rng() % 2;
        c.decision.allow_skip = rng() % 2;
        c.prefetch.enabled = rng() % 2;
        c.prefetch.distance = 1;
        c.prefetch.min_confidence = 0.1;
        c.budget.layout = rng() % 2 ? PoolLayout::Separate : PoolLayout::Shared;
        c.budget.n_ctx = 64;
        c.budget.workspace_bytes = 100;
        c.host_bytes = rng() % 3 ? 0 : 200 + rng() % 2000;
        const uint64_t fixed = shape.non_expert_bytes + 64 * shape.kv_bytes_per_token + 100;
        if (rng() % 2)
            c.budget.device_bytes = fixed + rng() % (shape.total_expert_bytes(Precision::High) + 1);
        else
            c.budget.resident_fraction = std::uniform_real_distribution<double>(0, 1)(rng);
        ReplayReport r;
        try {
            r = replay_trace(trace, shape, c);
        } catch (const Error& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("give at least") != std::string::npos ||
                         m.find("raise its share") != std::string::npos,
                     m.c_str());
            ++refused;
            continue;
        }
        ++planned;
        const BudgetPlan& p = r.plan;
        QVERIFY(p.fixed_bytes() + p.expert_area_bytes <= p.device_bytes);
        QVERIFY(p.high_pool_bytes + p.low_pool_bytes <= p.expert_area_bytes);
        QVERIFY(r.peak_pool_bytes[0] <= p.high_pool_bytes);
        if (r.peak_pool_bytes.size() > 1) QVERIFY(r.peak_pool_bytes[1] <= p.low_pool_bytes);
        QCOMPARE(r.actions.total(), uint64_t(trace.n_recorded()) * top_k);
        if (!c.decision.allow_skip) QCOMPARE(r.actions[ExpertAction::Skip], uint64_t(0));
        if (!c.precision.mixed) QCOMPARE(r.bytes_to_device_low, uint64_t(0));
        QVERIFY(r.stall_seconds >= 0 && r.decode_seconds >= r.ideal_seconds * 0.999);
    }
    QVERIFY(planned > 50);
    QVERIFY(refused > 0);
}

void TestOffload::beladyIsNeverBeatenOnTheRealTrace() {
    for (double fraction : {0.25, 0.5, 0.75}) {
        const double belady =
            replay_trace(real_->trace, mixtral_, exact_config(PolicyKind::Belady, fraction))
                .hit_rate();
        for (PolicyKind k : {PolicyKind::Lru, PolicyKind::Lfu, PolicyKind::Multi}) {
            const double online =
                replay_trace(real_->trace, mixtral_, exact_config(k, fraction)).hit_rate();
            qInfo("resident %.0f%%: %s %.4f, belady %.4f", fraction * 100, policy_name(k), online,
                  belady);
            QVERIFY2(belady >= online, policy_name(k));
        }
    }
}

void TestOffload::replayReportAddsUp() {
    ReplayConfig c;
    c.policy = PolicyKind::Multi;
    c.budget.resident_fraction = 0.5;
    const ReplayReport r = replay_trace(real_->trace, mixtral_, c);
    uint64_t high = 0, low = 0, cpu = 0;
    for (uint32_t l = 0; l < 32; ++l) {
        const ActionCounts& a = r.layers[l].actions;
        high += a[ExpertAction::LoadHigh] * mixtral_.expert_bytes_high[l];
        low += a[ExpertAction::LoadLow] * mixtral_.expert_bytes_low[l];
        cpu += a[ExpertAction::CpuCompute] * mixtral_.expert_bytes_high[l];
    }
    QCOMPARE(r.bytes_to_device_high, high);
    QCOMPARE(r.bytes_to_device_low, low);
    QCOMPARE(r.bytes_cpu_read, cpu);
    QVERIFY(r.actions[ExpertAction::HitLow] + r.actions[ExpertAction::LoadLow] > 0);

    const nlohmann::json j = report_to_json(r);
    QVERIFY(j["hit_rate"].get<double>() >= 0 && j["hit_rate"].get<double>() <= 1);
    QCOMPARE(j["hit_rate"].get<double>(), r.hit_rate());
    QCOMPARE(j["layers"].size(), size_t(32));
    for (const auto& layer : j["layers"]) QVERIFY(layer.contains("hit_rate"));
    uint64_t total = 0;
    for (const auto& [name, n] : j["actions"].items()) total += n.get<uint64_t>();
    QCOMPARE(total, uint64_t(10779 * 2));
    QVERIFY(j["bytes"].contains("host_to_device"));
    QVERIFY(j["stall_seconds"].get<double>() >= 0);
    const double tps = j["predicted_decode_tokens_per_s"].get<double>();
    QVERIFY(tps > 0 && tps <= j["ideal_decode_tokens_per_s"].get<double>());
    QVERIFY(!j.contains("prefetch"));
}

void TestOffload::replayPublishesEveryDecision() {
    telemetry::EventBus bus;
    uint64_t experts = 0, tokens = 0, bytes = 0, flushes = 0;
    bus.subscribe([&](std::span<const telemetry::Event> batch) {
        ++flushes;
        for (const auto& ev : batch) {
            if (std::holds_alternative<telemetry::ExpertEvent>(ev)) ++experts;
            if (std::holds_alternative<telemetry::TokenEvent>(ev)) ++tokens;
            if (const auto* t = std::get_if<telemetry::TransferEvent>(&ev))
                if (t->link == telemetry::Link::HostToDevice) bytes += t->bytes;
        }
    });
    ReplayConfig c;
    c.budget.resident_fraction = 0.25;
    c.prefetch.enabled = true;
    const ReplayReport r = replay_trace(real_->trace, mixtral_, c, &bus);
    QCOMPARE(experts, uint64_t(10779 * 2));
    QCOMPARE(tokens, uint64_t(338));
    QCOMPARE(flushes, uint64_t(338));
    QCOMPARE(bytes, r.bytes_to_device());
}

void TestOffload::hostBudgetReadsFromStorage() {
    ReplayConfig c = exact_config(PolicyKind::Lru, 0.25);
    const ReplayReport all = replay_trace(real_->trace, mixtral_, c);
    QCOMPARE(all.bytes_storage_to_host, uint64_t(0));
    c.host_bytes = mixtral_.total_expert_bytes(Precision::High) / 2;
    const ReplayReport half = replay_trace(real_->trace, mixtral_, c);
    QVERIFY(half.bytes_storage_to_host > 0);
    QVERIFY(half.decode_seconds > all.decode_seconds);
}

void TestOffload::prefetchLearnsRegularRouting() {
    // Layer l selects {x + l, x + l + 1} (mod 8) for a random x per token, so
    // layer l + 2's experts follow from layer l's exactly.
    std::mt19937 rng(3);
    RoutingTrace trace(32, 8, 2);
    TraceSequence& seq = trace.add_sequence(0);
    for (uint32_t t = 0; t < 300; ++t) {
        seq.add_token();
        const uint32_t x = rng() % 8;
        for (uint32_t l = 0; l < 32; ++l) {
            const uint16_t experts[] = {uint16_t((x + l) % 8), uint16_t((x + l + 1) % 8)};
            const float weights[] = {0.7f, 0.3f};
            seq.set(t, l, experts, weights);
        }
    }
    // The multi policy: prefetching two layers ahead under LRU evicts the
    // copies of the very next layers (the least recently used in a cycle).
    ReplayConfig c = exact_config(PolicyKind::Multi, 0.25);
    const ReplayReport plain = replay_trace(trace, mixtral_, c);
    c.prefetch.enabled = true;
    c.prefetch.distance = 2;
    const ReplayReport ahead = replay_trace(trace, mixtral_, c);
    qInfo("prefetch precision %.3f recall %.3f, hit rate %.3f -> %.3f, %.2f -> %.2f tokens/s",
          ahead.prefetch.precision(), ahead.prefetch.recall(), plain.hit_rate(), ahead.hit_rate(),
          plain.decode_tokens_per_second(), ahead.decode_tokens_per_second());
    QVERIFY(ahead.prefetch.precision() > 0.9);
    QVERIFY(ahead.prefetch.recall() > 0.9);
    // The link cannot carry every prediction in time, but far more hit. The
    // run is bound by link bytes, so speed can only gain the overlap with
    // compute; background loads must never make it slower.
    QVERIFY(ahead.hit_rate() > plain.hit_rate() + 0.3);
    QVERIFY(ahead.decode_tokens_per_second() >= plain.decode_tokens_per_second());
    QVERIFY(ahead.prefetch.loads_used > 0);

    // On the real trace the figures are what they are, but must be proportions.
    const ReplayReport real = replay_trace(real_->trace, mixtral_, c);
    QVERIFY(real.prefetch.precision() > 0 && real.prefetch.precision() <= 1);
    QVERIFY(real.prefetch.recall() > 0 && real.prefetch.recall() <= 1);
    QVERIFY(real.prefetch.correct <= real.prefetch.predicted);
}

void TestOffload::replaysAThousandTokensWellUnderASecond() {
    std::mt19937 rng(5);
    const RoutingTrace trace = offload::test::random_trace(rng, 32, 8, 2, 1, 1000);
    for (PolicyKind k : {PolicyKind::Lru, PolicyKind::Lfu, PolicyKind::Multi, PolicyKind::Belady}) {
        ReplayConfig c;
        c.policy = k;
        c.budget.resident_fraction = 0.5;
        c.prefetch.enabled = true;
        const ReplayReport r = replay_trace(trace, mixtral_, c);
        qInfo("1000 tokens, %s: %.1f ms", policy_name(k), r.replay_wall_seconds * 1e3);
        QVERIFY(r.replay_wall_seconds < 0.25);
    }
}

void TestOffload::replayRejectsAMismatchedShape() {
    const OffloadShape small = offload::test::uniform_shape(4, 8, 2);
    ReplayConfig c;
    c.budget.resident_fraction = 0.5;
    QVERIFY(error_of([&] { replay_trace(real_->trace, small, c); }).find("32 layers") !=
            std::string::npos);
}
