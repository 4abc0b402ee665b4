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

void TestOffload::initTestCase() {
    real_ = std::make_unique<TraceFile>(read_trace_file(real_trace_path()));
    mixtral_ = shape_preset("mixtral-8x7b");
}

// --- traces -------------------------------------------------------------
void TestOffload::readsTheSharedMixtralTrace() {
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

void TestOffload::ownTraceFormatRoundTrips() {
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

void TestOffload::malformedTraceLinesNameTheLine_data() {
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

void TestOffload::malformedTraceLinesNameTheLine() {
    QFETCH(QString, line);
    QFETCH(QString, words);
    const std::string message = parse_error(with_bad_third_line(line.toStdString()));
    QVERIFY2(message.find("t.jsonl line 3") != std::string::npos, message.c_str());
    QVERIFY2(message.find(words.toStdString()) != std::string::npos, message.c_str());
}

void TestOffload::malformedTracesAsAWhole() {
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
    const std::string version = parse_error(R"({"format": "hoard-routing-trace", "version": 9})");
    QVERIFY2(version.find("version 9") != std::string::npos, version.c_str());
}

void TestOffload::recorderBuildsATraceFromRoutingDecisions() {
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
void TestOffload::mixtralPresetIsSizedFromItsShape() {
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

void TestOffload::shapeFromConformanceGguf() {
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

void TestOffload::parsesByteSizes() {
    QCOMPARE(parse_byte_size("12G"), uint64_t(12) << 30);
    QCOMPARE(parse_byte_size("512MiB"), uint64_t(512) << 20);
    QCOMPARE(parse_byte_size("1.5g"), uint64_t(3) << 29);
    QCOMPARE(parse_byte_size("2kb"), uint64_t(2048));
    QCOMPARE(parse_byte_size("1000"), uint64_t(1000));
    for (const char* bad : {"", "G", "12X", "-1", "1e30T", "12 G"})
        QVERIFY2(!error_of([&] { parse_byte_size(bad); }).empty(), bad);
}

void TestOffload::budgetPlanPutsFixedCostsFirst() {
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

void TestOffload::budgetTooSmallSaysWhatIsNeeded() {
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
    QVERIFY(error_of([&] { plan_budget(mixtral_, r); }).find("give at least") != std::string::npos);
}

QTEST_APPLESS_MAIN(TestOffload)
