// Offload layer: routing traces (the shared real trace, our own format,
// malformed input), model shapes, budget plans, cache policies on hand-made
// traces, the precision and CPU-fallback decisions, prefetch prediction, and
// trace replay (budget never exceeded, Belady never beaten, speed, telemetry).
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

namespace {

std::filesystem::path real_trace_path() {
    return hoard::test::traces_dir() / "mixtral-8x7b-humaneval.routing.jsonl";
}

// Two good lines, then `bad` as line 3.
std::string with_bad_third_line(const std::string& bad) {
    return "{\"problem_id\": 0, \"token_idx\": 0, \"layer\": 0, \"experts\": [1, 0], "
           "\"gating_probs\": [0.7, 0.3]}\n"
           "{\"problem_id\": 0, \"token_idx\": 0, \"layer\": 1, \"experts\": [2, 3], "
           "\"gating_probs\": [0.6, 0.4]}\n" +
           bad + "\n";
}

std::string parse_error(const std::string& text) {
    return error_of([&] {
        std::istringstream in(text);
        parse_trace(in, "t.jsonl");
    });
}

ReplayConfig exact_config(PolicyKind policy, double fraction) {
    ReplayConfig c;
    c.policy = policy;
    c.budget.resident_fraction = fraction;
    c.precision.mixed = false;
    c.decision.cpu_fallback = false;
    return c;
}

} // namespace

class TestOffload : public QObject {
    Q_OBJECT
    std::unique_ptr<TraceFile> real_;
    OffloadShape mixtral_;

  private slots:
    void initTestCase() {
        real_ = std::make_unique<TraceFile>(read_trace_file(real_trace_path()));
        mixtral_ = shape_preset("mixtral-8x7b");
    }

    // --- traces -------------------------------------------------------------

    void readsTheSharedMixtralTrace() {
        const RoutingTrace& t = real_->trace;
        QVERIFY(!real_->has_header);
        QCOMPARE(t.n_layer(), 32u);
        QCOMPARE(t.n_expert(), 8u);
        QCOMPARE(t.top_k(), 2u);
        QCOMPARE(t.sequences().size(), size_t(2));
        QCOMPARE(t.sequences()[0].id(), int64_t(0));
        QCOMPARE(t.sequences()[0].n_tokens(), 83u);
        QCOMPARE(t.sequences()[1].n_tokens(), 255u);
        QCOMPARE(t.n_tokens(), size_t(338));
        // 338 × 32 positions; the recorder dropped 37 at the ends of the problems.
        QCOMPARE(t.n_recorded(), size_t(10779));
        QCOMPARE(t.n_missing(), size_t(37));
        QVERIFY(!t.sequences()[0].at(82, 11).recorded());
        const LayerRouting first = t.sequences()[0].at(0, 0);
        QCOMPARE(first.experts.size(), size_t(2));
        QCOMPARE(first.experts[0], uint16_t(6));
        QCOMPARE(first.experts[1], uint16_t(5));
        QCOMPARE(first.weights[0], 0.6959583759307861f);
        const LayerRouting later = t.sequences()[0].at(57, 1);
        QVERIFY(later.recorded());
        QVERIFY(later.weights[0] >= later.weights[1]);
    }

    void ownTraceFormatRoundTrips() {
        std::mt19937 rng(7);
        RoutingTrace trace = offload::test::random_trace(rng, 3, 6, 2, 2, 5);
        trace.model = "uniform test";
        const OffloadShape shape = offload::test::uniform_shape(3, 6, 2);
        const auto path = std::filesystem::temp_directory_path() / "hoard-offload-trace.jsonl";
        write_trace_file(path, trace, &shape);
        const TraceFile back = read_trace_file(path);
        std::filesystem::remove(path);
        QVERIFY(back.has_header);
        QCOMPARE(back.trace.model, std::string("uniform test"));
        QVERIFY(back.shape.has_value());
        QCOMPARE(back.shape->expert_bytes_high, shape.expert_bytes_high);
        QCOMPARE(back.shape->kv_bytes_per_token, shape.kv_bytes_per_token);
        QCOMPARE(back.trace.sequences().size(), trace.sequences().size());
        for (size_t s = 0; s < trace.sequences().size(); ++s)
            for (uint32_t t = 0; t < 5; ++t)
                for (uint32_t l = 0; l < 3; ++l) {
                    const LayerRouting a = trace.sequences()[s].at(t, l);
                    const LayerRouting b = back.trace.sequences()[s].at(t, l);
                    QVERIFY(std::equal(a.experts.begin(), a.experts.end(), b.experts.begin(),
                                       b.experts.end()));
                    QVERIFY(std::equal(a.weights.begin(), a.weights.end(), b.weights.begin(),
                                       b.weights.end()));
                }
    }

    void malformedTraceLinesNameTheLine_data() {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("words");
        QTest::newRow("not json") << "{\"layer\": 2,"
                                  << "not valid JSON";
        QTest::newRow("not an object") << "[1, 2]"
                                       << "expected a JSON object";
        QTest::newRow("no layer")
            << R"({"token_idx": 1, "experts": [1, 2], "gating_probs": [0.5, 0.5]})"
            << "'layer' is missing";
        QTest::newRow("negative token")
            << R"({"token_idx": -1, "layer": 0, "experts": [1, 2], "gating_probs": [0.5, 0.5]})"
            << "'token_idx' must be a whole number";
        QTest::newRow("experts not array")
            << R"({"token_idx": 1, "layer": 0, "experts": 3, "gating_probs": [1.0]})"
            << "'experts' must be an array";
        QTest::newRow("length mismatch")
            << R"({"token_idx": 1, "layer": 0, "experts": [1, 2], "gating_probs": [1.0]})"
            << "1 weights for 2 experts";
        QTest::newRow("wrong k")
            << R"({"token_idx": 1, "layer": 0, "experts": [1, 2, 3], "gating_probs": [0.4, 0.3, 0.3]})"
            << "the trace selects 2 per token";
        QTest::newRow("negative expert")
            << R"({"token_idx": 1, "layer": 0, "experts": [-1, 2], "gating_probs": [0.5, 0.5]})"
            << "expert numbers from 0";
        QTest::newRow("expert twice")
            << R"({"token_idx": 1, "layer": 0, "experts": [2, 2], "gating_probs": [0.5, 0.5]})"
            << "selected twice";
        QTest::newRow("negative weight")
            << R"({"token_idx": 1, "layer": 0, "experts": [1, 2], "gating_probs": [1.5, -0.5]})"
            << "not negative";
        QTest::newRow("string weight")
            << R"({"token_idx": 1, "layer": 0, "experts": [1, 2], "gating_probs": ["a", 0.5]})"
            << "must hold numbers";
        QTest::newRow("duplicate position")
            << R"({"problem_id": 0, "token_idx": 0, "layer": 0, "experts": [1, 2], "gating_probs": [0.5, 0.5]})"
            << "already given on line 1";
        QTest::newRow("late header")
            << R"({"format": "hoard-routing-trace", "version": 1, "n_layer": 2, "n_expert": 4, "n_expert_used": 2})"
            << "header line may only come first";
    }

    void malformedTraceLinesNameTheLine() {
        QFETCH(QString, line);
        QFETCH(QString, words);
        const std::string message = parse_error(with_bad_third_line(line.toStdString()));
        QVERIFY2(message.find("t.jsonl line 3") != std::string::npos, message.c_str());
        QVERIFY2(message.find(words.toStdString()) != std::string::npos, message.c_str());
    }

    void malformedTracesAsAWhole() {
        QVERIFY(parse_error("\n\n").find("no routing records") != std::string::npos);
        // A huge token index must not make the reader allocate for it.
        const std::string sparse = parse_error(
            with_bad_third_line(R"({"token_idx": 2000000000, "layer": 0, "experts": [1, 2], )"
                                R"("gating_probs": [0.5, 0.5]})"));
        QVERIFY2(sparse.find("more than half of its routing is missing") != std::string::npos,
                 sparse.c_str());
        // A header bounds what records may hold.
        const std::string bounded = parse_error(
            R"({"format": "hoard-routing-trace", "version": 1, "n_layer": 2, "n_expert": 4, )"
            R"("n_expert_used": 2})"
            "\n"
            R"({"token_idx": 0, "layer": 0, "experts": [1, 4], "gating_probs": [0.5, 0.5]})");
        QVERIFY2(bounded.find("line 2") != std::string::npos, bounded.c_str());
        const std::string version =
            parse_error(R"({"format": "hoard-routing-trace", "version": 9})");
        QVERIFY2(version.find("version 9") != std::string::npos, version.c_str());
    }

    void recorderBuildsATraceFromRoutingDecisions() {
        RoutingTrace trace(2, 4, 2);
        TraceRecorder recorder(trace);
        recorder.begin_sequence(7);
        const int32_t experts[] = {3, 1};
        const float weights[] = {0.25f, 0.75f};
        for (size_t pos = 0; pos < 3; ++pos)
            for (size_t layer = 0; layer < 2; ++layer)
                recorder.on_routing({layer, pos, experts, weights});
        QCOMPARE(trace.n_tokens(), size_t(3));
        QCOMPARE(trace.sequences()[0].id(), int64_t(7));
        const LayerRouting r = trace.sequences()[0].at(2, 1);
        QCOMPARE(r.experts[0], uint16_t(1)); // sorted best first
        QCOMPARE(r.weights[0], 0.75f);
        const int32_t bad[] = {3, 9};
        QVERIFY(error_of([&] {
                    recorder.on_routing({0, 3, bad, weights});
                }).find("does not exist") != std::string::npos);
    }

    // --- shapes and budgets -------------------------------------------------

    void mixtralPresetIsSizedFromItsShape() {
        const OffloadShape& s = mixtral_;
        QCOMPARE(s.n_layer, 32u);
        QCOMPARE(s.n_expert, 8u);
        QCOMPARE(s.n_expert_used, 2u);
        const double weights = 4096.0 * 14336.0; // one matrix of one expert
        // Layer 4: all three matrices at 4.5 bits; layer 0: down at 6.5625 bits.
        QCOMPARE(s.expert_bytes_high[4], uint64_t(3 * weights * 4.5 / 8));
        QCOMPARE(s.expert_bytes_high[0], uint64_t(2 * weights * 4.5 / 8 + weights * 6.5625 / 8));
        QCOMPARE(s.low_format, std::string("q2_K"));
        QCOMPARE(s.expert_bytes_low[4], uint64_t(3 * weights * 2.625 / 8));
        QCOMPARE(s.kv_bytes_per_token, uint64_t(32 * 2 * 1024 * 4));
        // Non-expert weights of Mixtral 8x7B are about 1.6 billion parameters.
        QVERIFY(s.non_expert_bytes > 900'000'000ull && s.non_expert_bytes < 1'600'000'000ull);
        QVERIFY(!error_of([] { shape_preset("gpt-7"); }).empty());
    }

    void shapeFromConformanceGguf() {
        const auto file =
            gguf::GgufFile::open(hoard::test::conformance_path("models/tiny-mixtral-q4_k_m.gguf"));
        const OffloadShape s = shape_from_gguf(*file);
        QCOMPARE(s.n_layer, 4u);
        QCOMPARE(s.n_expert, 8u);
        QCOMPARE(s.n_expert_used, 2u);
        const double weights = 256.0 * 512.0;
        // Layers 0 and 1 keep the down projection at q4_K, layers 2 and 3 at q6_K.
        QCOMPARE(s.expert_bytes_high[0], uint64_t(3 * weights * 4.5 / 8));
        QCOMPARE(s.expert_bytes_high[3], uint64_t(2 * weights * 4.5 / 8 + weights * 6.5625 / 8));
        QCOMPARE(s.low_format, std::string("q2_K"));
        QCOMPARE(s.expert_bytes_low[2], uint64_t(3 * weights * 2.625 / 8));
        QCOMPARE(s.kv_bytes_per_token, uint64_t(4 * (128 + 128) * 4));
        QCOMPARE(s.n_vocab, 32000u);
        QCOMPARE(s.token_embedding_bytes, uint64_t(32000.0 * 256 * 4.5 / 8));
        uint64_t all = 0;
        for (const auto& t : file->tensors()) all += t.n_bytes;
        QCOMPARE(s.non_expert_bytes + s.total_expert_bytes(Precision::High), all);

        const auto f16 =
            gguf::GgufFile::open(hoard::test::conformance_path("models/tiny-mixtral-f16.gguf"));
        QCOMPARE(shape_from_gguf(*f16).low_format, std::string("q4_K"));
        QCOMPARE(shape_from_gguf(*f16).expert_bytes_high[1], uint64_t(3 * weights * 2));
    }

    void parsesByteSizes() {
        QCOMPARE(parse_byte_size("12G"), uint64_t(12) << 30);
        QCOMPARE(parse_byte_size("512MiB"), uint64_t(512) << 20);
        QCOMPARE(parse_byte_size("1.5g"), uint64_t(3) << 29);
        QCOMPARE(parse_byte_size("2kb"), uint64_t(2048));
        QCOMPARE(parse_byte_size("1000"), uint64_t(1000));
        for (const char* bad : {"", "G", "12X", "-1", "1e30T", "12 G"})
            QVERIFY2(!error_of([&] { parse_byte_size(bad); }).empty(), bad);
    }

    void budgetPlanPutsFixedCostsFirst() {
        BudgetRequest r;
        r.device_bytes = parse_byte_size("12G");
        const BudgetPlan p = plan_budget(mixtral_, r);
        QCOMPARE(p.non_expert_bytes, mixtral_.non_expert_bytes);
        QCOMPARE(p.kv_cache_bytes, uint64_t(4096) * mixtral_.kv_bytes_per_token);
        QCOMPARE(p.workspace_bytes, estimate_workspace_bytes(mixtral_));
        QCOMPARE(p.expert_area_bytes, *r.device_bytes - p.fixed_bytes());
        QCOMPARE(p.high_pool_bytes, p.expert_area_bytes);
        QVERIFY(p.low_slots > p.high_slots);

        r.layout = PoolLayout::Separate;
        const BudgetPlan sep = plan_budget(mixtral_, r);
        QCOMPARE(sep.high_pool_bytes + sep.low_pool_bytes, sep.expert_area_bytes);
        QVERIFY(sep.low_pool_bytes > 0 && sep.low_pool_bytes < sep.high_pool_bytes);

        BudgetRequest f;
        f.resident_fraction = 0.5;
        const BudgetPlan half = plan_budget(mixtral_, f);
        QCOMPARE(half.expert_area_bytes,
                 uint64_t(std::ceil(0.5 * double(mixtral_.total_expert_bytes(Precision::High)))));
        QCOMPARE(half.device_bytes, half.fixed_bytes() + half.expert_area_bytes);
    }

    void budgetTooSmallSaysWhatIsNeeded() {
        BudgetRequest r;
        r.device_bytes = parse_byte_size("1G");
        const std::string message = error_of([&] { plan_budget(mixtral_, r); });
        QVERIFY2(message.find("too small") != std::string::npos, message.c_str());
        QVERIFY2(message.find("non-expert weights") != std::string::npos, message.c_str());
        QVERIFY2(message.find("give at least") != std::string::npos, message.c_str());
        // The least budget that works: fixed costs plus one layer's experts.
        BudgetRequest probe;
        probe.resident_fraction = 0.5;
        const uint64_t fixed = plan_budget(mixtral_, probe).fixed_bytes();
        const uint64_t least = fixed + 2 * mixtral_.max_expert_bytes(Precision::High);
        QVERIFY2(message.find(format_byte_size(least)) != std::string::npos, message.c_str());
        r.device_bytes = least;
        QCOMPARE(plan_budget(mixtral_, r).expert_area_bytes, least - fixed);
        r.device_bytes = least - 1;
        QVERIFY(error_of([&] { plan_budget(mixtral_, r); }).find("give at least") !=
                std::string::npos);
    }

    // --- cache policies on hand-made traces ----------------------------------

    void lruEvictsTheLeastRecentlyUsed() {
        using offload::test::drive_cache;
        const std::vector<offload::test::Access> a = {{0, 0}, {0, 1}, {0, 2}, {0, 0},
                                                      {0, 3}, {0, 4}, {0, 1}};
        QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 300, 0, a),
                 std::string("m m m h m-0.1 m-0.2 m-0.0"));
    }

    void lfuEvictsTheLeastRequestedThenTheOldest() {
        using offload::test::drive_cache;
        const std::vector<offload::test::Access> a = {{0, 0}, {0, 1}, {0, 2}, {0, 0},
                                                      {0, 3}, {0, 4}, {0, 1}};
        // At the last access expert 1 has two requests, so 3 (one, older than 4) goes.
        QCOMPARE(drive_cache(PolicyKind::Lfu, PoolLayout::Shared, 300, 0, a),
                 std::string("m m m h m-0.1 m-0.2 m-0.3"));
    }

    void beladyEvictsTheFurthestNextUse() {
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

    void multiPolicyWeighsItsFourParts() {
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
        QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 200, 0, d),
                 std::string("m m m-3.0"));
    }

    void separateAndSharedPools() {
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
        QCOMPARE(drive_cache(PolicyKind::Lru, PoolLayout::Shared, 300, 0,
                             {{0, 0, L}, {0, 0, H}, {0, 0, L}}),
                 std::string("m m-0.0 h"));
    }

    void pinnedCopiesAreNeverEvicted() {
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
        QVERIFY(
            !cache.insert({0, 3, Precision::High}, 300, 4, 0, 0, false)); // larger than the pool
    }

    void cacheBytesStayWithinPoolsUnderRandomInserts() {
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

    void hobbitPrecisionRule() {
        const PrecisionRule rule; // T1 = 0.6, T2 = 0.9
        auto at = [&](std::vector<float> w, size_t rank) {
            return precision_for_rank(w, rank, rule);
        };
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

    void cpuFallbackFlipsAtTheBreakEven() {
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

    void cpuExpertsAreLoadedBehindAndUpgraded() {
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

    void copyQueueGivesDemandTransfersPriority() {
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

    // --- replay ---------------------------------------------------------------

    void replayNeverExceedsTheBudget() {
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
                c.budget.device_bytes =
                    fixed + rng() % (shape.total_expert_bytes(Precision::High) + 1);
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

    void beladyIsNeverBeatenOnTheRealTrace() {
        for (double fraction : {0.25, 0.5, 0.75}) {
            const double belady =
                replay_trace(real_->trace, mixtral_, exact_config(PolicyKind::Belady, fraction))
                    .hit_rate();
            for (PolicyKind k : {PolicyKind::Lru, PolicyKind::Lfu, PolicyKind::Multi}) {
                const double online =
                    replay_trace(real_->trace, mixtral_, exact_config(k, fraction)).hit_rate();
                qInfo("resident %.0f%%: %s %.4f, belady %.4f", fraction * 100, policy_name(k),
                      online, belady);
                QVERIFY2(belady >= online, policy_name(k));
            }
        }
    }

    void replayReportAddsUp() {
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

    void replayPublishesEveryDecision() {
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

    void hostBudgetReadsFromStorage() {
        ReplayConfig c = exact_config(PolicyKind::Lru, 0.25);
        const ReplayReport all = replay_trace(real_->trace, mixtral_, c);
        QCOMPARE(all.bytes_storage_to_host, uint64_t(0));
        c.host_bytes = mixtral_.total_expert_bytes(Precision::High) / 2;
        const ReplayReport half = replay_trace(real_->trace, mixtral_, c);
        QVERIFY(half.bytes_storage_to_host > 0);
        QVERIFY(half.decode_seconds > all.decode_seconds);
    }

    void prefetchLearnsRegularRouting() {
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
              ahead.prefetch.precision(), ahead.prefetch.recall(), plain.hit_rate(),
              ahead.hit_rate(), plain.decode_tokens_per_second(), ahead.decode_tokens_per_second());
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

    void replaysAThousandTokensWellUnderASecond() {
        std::mt19937 rng(5);
        const RoutingTrace trace = offload::test::random_trace(rng, 32, 8, 2, 1, 1000);
        for (PolicyKind k :
             {PolicyKind::Lru, PolicyKind::Lfu, PolicyKind::Multi, PolicyKind::Belady}) {
            ReplayConfig c;
            c.policy = k;
            c.budget.resident_fraction = 0.5;
            c.prefetch.enabled = true;
            const ReplayReport r = replay_trace(trace, mixtral_, c);
            qInfo("1000 tokens, %s: %.1f ms", policy_name(k), r.replay_wall_seconds * 1e3);
            QVERIFY(r.replay_wall_seconds < 0.25);
        }
    }

    void replayRejectsAMismatchedShape() {
        const OffloadShape small = offload::test::uniform_shape(4, 8, 2);
        ReplayConfig c;
        c.budget.resident_fraction = 0.5;
        QVERIFY(error_of([&] { replay_trace(real_->trace, small, c); }).find("32 layers") !=
                std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestOffload)
#include "test_offload.moc"
