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

// --- cache policies on hand-made traces ----------------------------------
void TestOffload::lruEvictsTheLeastRecentlyUsed() {
    using offload::test::drive_cache;
    const std::vector<offload::test::Access> a = {{0, 0}, {0, 1}, {0, 2}, {0, 0},
                                                  {0, 3}, {0, 4}, {0, 1}};
    QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 300, 0, a),
             std::string("m m m h m-0.1 m-0.2 m-0.0"));
}

void TestOffload::lfuEvictsTheLeastRequestedThenTheOldest() {
    using offload::test::drive_cache;
    const std::vector<offload::test::Access> a = {{0, 0}, {0, 1}, {0, 2}, {0, 0},
                                                  {0, 3}, {0, 4}, {0, 1}};
    // At the last access expert 1 has two requests, so 3 (one, older than 4) goes.
    QCOMPARE(drive_cache(PolicyKind::Lfu, PoolLayout::Shared, 300, 0, a),
             std::string("m m m h m-0.1 m-0.2 m-0.3"));
}

void TestOffload::beladyEvictsTheFurthestNextUse() {
    using offload::test::drive_cache;
    const std::vector<offload::test::Access> a = {{0, 0}, {0, 1}, {0, 2}, {0, 0},
                                                  {0, 3}, {0, 4}, {0, 1}};
    QCOMPARE(drive_cache(PolicyKind::Belady, PoolLayout::Shared, 300, 0, a),
             std::string("m m m h m-0.0 m-0.2 h"));
    // A low copy whose expert is next needed at high precision is worthless:
    // it goes first although its next request (t3) comes before 0.1's (t4).
    const Precision H = Precision::High, L = Precision::Low;
    const std::vector<offload::test::Access> b = {
        {0, 0, L}, {0, 1, H}, {0, 2, L}, {0, 0, H}, {0, 1, H}};
    QCOMPARE(drive_cache(PolicyKind::Belady, PoolLayout::Shared, 150, 0, b),
             std::string("m m m-0.0 m-0.2-0.1 m-0.0"));
}

void TestOffload::multiPolicyWeighsItsFourParts() {
    using offload::test::drive_cache;
    const Precision H = Precision::High, L = Precision::Low;
    // (0,0) is older but requested three times at high precision; (0,1) once, low.
    const std::vector<offload::test::Access> a = {
        {0, 0, H}, {0, 0, H}, {0, 0, H}, {0, 1, L}, {1, 0, H}};
    QCOMPARE(drive_cache(PolicyKind::Multi, PoolLayout::Shared, 200, 0, a, 2, 4),
             std::string("m h h m m-0.1"));
    QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 200, 0, a, 2, 4),
             std::string("m h h m m-0.0"));

    // The scores by hand, at time 4 evaluating layer 1: ages 2 and 1,
    // requests 3 and 1, high-precision requests 3 and 0, both one layer away.
    MultiPolicy m(MultiPolicyWeights{});
    m.prepare(2, 4);
    uint64_t time = 0;
    for (const auto& acc : a) {
        ExpertRequest r;
        r.time = time++;
        r.layer = acc.layer;
        r.expert = acc.expert;
        r.demand = acc.demand;
        m.on_request(r);
        m.on_use({acc.layer, acc.expert, acc.demand}, r);
        if (r.time == 3) break;
    }
    const ResidentCopy cands[] = {{0, 0, H}, {0, 1, L}};
    QCOMPARE(m.eviction_score(cands[0], cands, 1, 4), 0.25 * 1.0);
    QVERIFY(std::abs(m.eviction_score(cands[1], cands, 1, 4) -
                     0.25 * (0.5 + (1.0 - 1.0 / 3.0) + 1.0)) < 1e-12);
    // A new sequence forgets the frequencies: only recency is left.
    m.on_sequence_start();
    QCOMPARE(m.eviction_score(cands[0], cands, 1, 4), 0.25);
    QCOMPARE(m.eviction_score(cands[1], cands, 1, 4), 0.125);

    // Layer distance alone: the copy whose layer comes round last goes.
    const MultiPolicyWeights distance{0, 0, 0, 1};
    const std::vector<offload::test::Access> d = {{3, 0}, {1, 0}, {2, 0}};
    QCOMPARE(drive_cache(PolicyKind::Multi, PoolLayout::Shared, 200, 0, d, 4, 8, distance),
             std::string("m m m-1.0"));
    QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 200, 0, d), std::string("m m m-3.0"));
}

void TestOffload::separateAndSharedPools() {
    using offload::test::drive_cache;
    const Precision H = Precision::High, L = Precision::Low;
    const std::vector<offload::test::Access> a = {{0, 0, H}, {0, 1, H}, {0, 2, L},
                                                  {0, 3, L}, {0, 4, L}, {0, 5, H}};
    // Separate: low copies only displace low copies, high only high.
    QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Separate, 200, 80, a),
             std::string("m m m m m-0.2 m-0.0"));
    // Shared: one pool of the same size; the oldest copy goes whatever its precision.
    QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 280, 0, a),
             std::string("m m m m m-0.0 m-0.1"));
    // A high copy replaces the expert's low copy, and then serves low demands.
    QCOMPARE(
        drive_cache(PolicyKind::Lru, PoolLayout::Shared, 300, 0, {{0, 0, L}, {0, 0, H}, {0, 0, L}}),
        std::string("m m-0.0 h"));
}

void TestOffload::pinnedCopiesAreNeverEvicted() {
    auto policy = make_policy(PolicyKind::Lru);
    ExpertCache cache(1, 4, PoolLayout::Shared, 200, 0, *policy);
    QVERIFY(cache.insert({0, 0, Precision::High}, 100, 0, 0, 0, false));
    QVERIFY(cache.insert({0, 1, Precision::High}, 100, 1, 0, 0, false));
    cache.pin(0, 0);
    cache.pin(0, 1);
    QVERIFY(!cache.insert({0, 2, Precision::High}, 100, 2, 0, 0, false));
    QVERIFY(cache.resident(0, 0) && cache.resident(0, 1) && !cache.resident(0, 2));
    QCOMPARE(cache.used_bytes(0), uint64_t(200));
    cache.unpin_all();
    cache.pin(0, 1);
    QVERIFY(cache.insert({0, 2, Precision::High}, 100, 3, 0, 0, false));
    QVERIFY(!cache.resident(0, 0) && cache.resident(0, 1));
    QVERIFY(!cache.insert({0, 3, Precision::High}, 300, 4, 0, 0, false)); // larger than the pool
}

void TestOffload::cacheBytesStayWithinPoolsUnderRandomInserts() {
    std::mt19937 rng(11);
    for (int round = 0; round < 20; ++round) {
        const PolicyKind kind = PolicyKind(rng() % 3);
        auto policy = make_policy(kind);
        const bool separate = rng() % 2;
        const uint64_t high_cap = 100 + rng() % 2000, low_cap = 50 + rng() % 500;
        ExpertCache cache(4, 16, separate ? PoolLayout::Separate : PoolLayout::Shared, high_cap,
                          low_cap, *policy);
        for (uint64_t t = 0; t < 2000; ++t) {
            const uint16_t layer = uint16_t(rng() % 4), expert = uint16_t(rng() % 16);
            const Precision p = rng() % 3 ? Precision::High : Precision::Low;
            ExpertRequest r{t, 0, layer, expert, 0, 1.0f, p};
            policy->on_request(r);
            const auto& e = cache.entry(layer, expert);
            if (rng() % 4 == 0) cache.pin(uint16_t(rng() % 4), uint16_t(rng() % 16));
            if (!e.resident || (e.precision == Precision::Low && p == Precision::High))
                cache.insert({layer, expert, p}, 10 + rng() % 90, t, layer, 0, false);
            if (rng() % 8 == 0) cache.unpin_all();
            for (size_t pool = 0; pool < cache.n_pools(); ++pool)
                QVERIFY(cache.used_bytes(pool) <= cache.capacity(pool));
        }
        uint64_t held = 0;
        for (uint16_t l = 0; l < 4; ++l)
            for (uint16_t e = 0; e < 16; ++e) held += cache.entry(l, e).bytes;
        QCOMPARE(held, cache.used_bytes(0) + (separate ? cache.used_bytes(1) : 0));
    }
}

// --- decisions ------------------------------------------------------------
void TestOffload::hobbitPrecisionRule() {
    const PrecisionRule rule; // T1 = 0.6, T2 = 0.9
    auto at = [&](std::vector<float> w, size_t rank) { return precision_for_rank(w, rank, rule); };
    QVERIFY(at({0.55f, 0.45f}, 0).precision == Precision::High); // top-1 always high
    QVERIFY(at({0.55f, 0.45f}, 1).precision == Precision::High); // 0.55 before it < T1
    QVERIFY(at({0.75f, 0.25f}, 1).precision == Precision::Low);  // 0.75 in [T1, T2)
    QVERIFY(!at({0.75f, 0.25f}, 1).negligible);
    QVERIFY(at({0.95f, 0.05f}, 1).negligible); // 0.95 >= T2
    const std::vector<float> four = {0.5f, 0.25f, 0.125f, 0.125f};
    QVERIFY(at(four, 1).precision == Precision::High); // 0.5 before
    QVERIFY(at(four, 2).precision == Precision::Low);  // 0.75 before
    QVERIFY(at(four, 3).precision == Precision::Low);  // 0.875 before
    QVERIFY(!at(four, 3).negligible);
    QVERIFY(at({2.0f, 1.0f}, 1).precision == Precision::Low); // shares of an unnormalized sum
    PrecisionRule off;
    off.mixed = false;
    QVERIFY(precision_for_rank(four, 3, off).precision == Precision::High);
    PrecisionRule bad;
    bad.t1 = 0.95;
    QVERIFY(!error_of([&] { bad.validate(); }).empty());

    // Negligible experts are skipped only when allowed, and only when missing.
    ExpertSituation s;
    s.demand = at({0.95f, 0.05f}, 1);
    s.bytes_high = 100;
    s.bytes_low = 40;
    DecisionOptions allow{false, true};
    QVERIFY(decide_expert(s, CostModel{}, allow).action == ExpertAction::Skip);
    QVERIFY(decide_expert(s, CostModel{}, {false, false}).action == ExpertAction::LoadLow);
    s.resident = Precision::Low;
    QVERIFY(decide_expert(s, CostModel{}, allow).action == ExpertAction::HitLow);
    s.demand = at({0.5f, 0.5f}, 1);
    QVERIFY(decide_expert(s, CostModel{}, allow).action == ExpertAction::LoadHigh);
    s.resident = Precision::High;
    QVERIFY(decide_expert(s, CostModel{}, allow).action == ExpertAction::HitHigh);
}

void TestOffload::cpuFallbackFlipsAtTheBreakEven() {
    CostModel cost;
    cost.host_to_device = {25e9, 0};
    cost.cpu_latency_seconds = 0;
    ExpertSituation high;
    high.bytes_high = 100'000'000;
    high.bytes_low = 50'000'000;
    // Loading: 4 ms over the link + 0.111 ms on the device.
    const double load = 100e6 / 25e9 + 100e6 / cost.device_bytes_per_second;
    const double break_even = 100e6 / load; // CPU bytes/s at which both take as long
    cost.cpu_bytes_per_second = break_even * 1.01;
    QVERIFY(decide_expert(high, cost, {}).action == ExpertAction::CpuCompute);
    QVERIFY(decide_expert(high, cost, {false, false}).action == ExpertAction::LoadHigh);
    cost.cpu_bytes_per_second = break_even * 0.99;
    QVERIFY(decide_expert(high, cost, {}).action == ExpertAction::LoadHigh);
    // A low demand loads half the bytes but the CPU still reads the high copy.
    ExpertSituation low = high;
    low.demand.precision = Precision::Low;
    const double low_even = 100e6 / (50e6 / 25e9 + 50e6 / cost.device_bytes_per_second);
    cost.cpu_bytes_per_second = low_even * 0.99;
    QVERIFY(decide_expert(low, cost, {}).action == ExpertAction::LoadLow);
    cost.cpu_bytes_per_second = low_even * 1.01;
    QVERIFY(decide_expert(low, cost, {}).action == ExpertAction::CpuCompute);
    // Not in host memory: the storage read counts against both paths alike.
    high.high_in_host = false;
    cost.cpu_bytes_per_second = break_even * 1.01;
    QVERIFY(decide_expert(high, cost, {}).action == ExpertAction::CpuCompute);

    // The same flip through a whole replay.
    ReplayConfig c = exact_config(PolicyKind::Lru, 0.25);
    c.decision.cpu_fallback = true;
    c.cost.cpu_bytes_per_second = 1e9; // slow CPU: never worth it
    const ReplayReport slow = replay_trace(real_->trace, mixtral_, c);
    QCOMPARE(slow.actions[ExpertAction::CpuCompute], uint64_t(0));
    c.cost.cpu_bytes_per_second = 200e9; // faster than the link: every miss on the CPU
    const ReplayReport fast = replay_trace(real_->trace, mixtral_, c);
    QCOMPARE(fast.actions[ExpertAction::LoadHigh], uint64_t(0));
    QVERIFY(fast.actions[ExpertAction::CpuCompute] > 0);
    QVERIFY(fast.decode_tokens_per_second() > slow.decode_tokens_per_second());
}

void TestOffload::cpuExpertsAreLoadedBehindAndUpgraded() {
    // Two layers, the same routing at each: token 0 selects 0 (high) and 1
    // (low, 0.7 before it); tokens 1 and 2 select 1 (high) and 0 (low).
    OffloadShape shape = offload::test::uniform_shape(2, 4, 2);
    shape.non_expert_bytes = 10'000'000'000; // slow attention: the link idles
    RoutingTrace trace(2, 4, 2);
    TraceSequence& seq = trace.add_sequence(0);
    const float weights[] = {0.7f, 0.3f};
    for (uint32_t t = 0; t < 3; ++t) {
        seq.add_token();
        const uint16_t experts[] = {uint16_t(t == 0 ? 0 : 1), uint16_t(t == 0 ? 1 : 0)};
        for (uint32_t l = 0; l < 2; ++l) seq.set(t, l, experts, weights);
    }
    ReplayConfig c;
    c.budget.resident_fraction = 1.0;
    c.cost.host_to_device.latency_seconds = 1e-3; // a load: 1 ms; on the CPU: 0.5 ms
    c.cost.cpu_latency_seconds = 0.5e-3;
    const ReplayReport r = replay_trace(trace, shape, c);
    // Token 0: both on the CPU, then loaded (0 high, 1 low). Token 1: 1 is
    // wanted high, its low copy will not do: CPU, and upgraded; 0 hits.
    // Token 2: both hit at high precision.
    QCOMPARE(r.actions[ExpertAction::CpuCompute], uint64_t(6));
    QCOMPARE(r.actions[ExpertAction::HitHigh], uint64_t(6));
    QCOMPARE(r.actions[ExpertAction::HitLow], uint64_t(0));
    QCOMPARE(r.bytes_admitted, uint64_t(2 * (100 + 40 + 100)));
    c.admit_cpu_experts = false;
    QCOMPARE(replay_trace(trace, shape, c).actions[ExpertAction::CpuCompute], uint64_t(12));
}

void TestOffload::copyQueueGivesDemandTransfersPriority() {
    CopyQueue q(LinkModel{1e9, 0}, true); // 1 GB/s: 1e9 bytes take one second
    const uint64_t a = q.background(1'000'000'000, 0.0);
    QCOMPARE(q.background_backlog(0.0), 1.0);
    QCOMPARE(q.background_backlog(0.125), 0.875); // idle link time is used
    double start = -1;
    // A demand transfer is not delayed by the background one; it pauses it.
    QCOMPARE(q.demand(500'000'000, 0.25, &start), 0.75);
    QCOMPARE(start, 0.25);
    // The background transfer ran 0–0.25 and resumes at 0.75: done at 1.5.
    QCOMPARE(q.promote(a, 2.0), 1.5);
    QCOMPARE(q.background_backlog(2.0), 0.0);
    // Waited for while half done: the rest goes as a demand transfer.
    const uint64_t b = q.background(1'000'000'000, 2.0);
    QCOMPARE(q.promote(b, 2.5), 3.0);
    QCOMPARE(q.demand_free(), 3.0);
    // Evicted a quarter of the way: the rest is never sent.
    const uint64_t c = q.background(1'000'000'000, 3.0);
    q.cancel(c, 3.25);
    QCOMPARE(q.background_backlog(3.25), 0.0);
    QCOMPARE(q.busy_seconds(), 1.0 + 0.5 + 1.0 + 0.25);
    // One queue for copies and compute: background transfers are plain ones.
    CopyQueue serial(LinkModel{1e9, 0}, false);
    serial.background(1'000'000'000, 0.0);
    QCOMPARE(serial.demand(1'000'000'000, 0.5), 2.0);
}
