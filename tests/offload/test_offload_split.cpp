// Offload layer: split experts (expert_split.hpp). Where the split falls, and
// that the CPU part and the device part (laid out as the device receives it)
// add up to the whole expert, computed with the real CPU kernels.
#include "test_offload.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "offload/expert_compute.hpp"
#include "offload/expert_decision.hpp"
#include "offload/expert_heat.hpp"
#include "offload/expert_split.hpp"
#include "offload/trace_replay.hpp"
#include "quant/kernels.hpp"

#include <QtTest>

#include <cstring>
#include <random>

using namespace hoard;
using namespace hoard::offload;
using quant::BlockFormat;

namespace {

struct QuantMatrix {
    std::vector<uint8_t> bytes;
    backend::cpu::MatrixView view;
};

QuantMatrix random_matrix(BlockFormat f, size_t rows, size_t cols, std::mt19937& rng) {
    std::normal_distribution<float> dist(0.0f, 0.5f);
    QuantMatrix m;
    const size_t stride = quant::row_bytes(f, cols);
    m.bytes.resize(rows * stride + 64);
    std::vector<float> row(cols);
    for (size_t r = 0; r < rows; ++r) {
        for (float& v : row) v = dist(rng);
        quant::quantize_row(f, row.data(), m.bytes.data() + r * stride, cols);
    }
    m.view = {f, m.bytes.data(), rows, cols, stride};
    return m;
}

// What the link does: each run of rows into its packed place.
std::vector<uint8_t> copy_part(const DevicePart& part) {
    std::vector<uint8_t> out(part.packed_bytes, 0);
    for (const PartCopy& c : part.copies)
        for (uint64_t r = 0; r < c.rows; ++r)
            std::memcpy(out.data() + c.dst_offset + r * c.dst_pitch, c.src + r * c.src_pitch,
                        c.width);
    return out;
}

} // namespace

void TestOffload::splitRowBalancesCpuAndLink() {
    CostModel cost;
    cost.cpu_bytes_per_second = 80e9;
    cost.host_to_device.bytes_per_second = 40e9;
    cost.device_bytes_per_second = 1e15; // negligible
    cost.cpu_latency_seconds = cost.host_to_device.latency_seconds = 0;
    const uint32_t n_ff = 14336;
    // Idle CPU and link: the link takes a third (its rate's share), in 256-row steps.
    const uint32_t first = split_row(100'000'000, 100'000'000, n_ff, cost, 0, 0, 1.0);
    QCOMPARE(first % kSplitRowStep, 0u);
    QVERIFY(std::abs(double(n_ff - first) / n_ff - 1.0 / 3.0) < 0.02);
    // The link already busy for longer than the expert takes on the CPU: no split.
    QCOMPARE(split_row(100'000'000, 100'000'000, n_ff, cost, 0, 0.002, 1.0), n_ff);
    // The CPU busy: the device takes more, up to its cap.
    const uint32_t busy = split_row(100'000'000, 100'000'000, n_ff, cost, 0.0006, 0, 1.0);
    QVERIFY(busy < first);
    QCOMPARE(split_row(100'000'000, 100'000'000, n_ff, cost, 0.01, 0, 0.5), n_ff / 2);
    // Never the whole expert, never a sliver below one step.
    QVERIFY(split_row(100'000'000, 100'000'000, n_ff, cost, 1.0, 0, 1.0) >= kSplitRowStep);
    QCOMPARE(split_row(100'000'000, 100'000'000, 512, cost, 0, 0.0012, 1.0), 512u);
    // A device part from a copy half the size: the device takes half the rows
    // (its rows cost half as much on the link: 1/80 = 0.5/40).
    const uint32_t low = split_row(100'000'000, 50'000'000, n_ff, cost, 0, 0, 1.0);
    QVERIFY(std::abs(double(n_ff - low) / n_ff - 0.5) < 0.02);
}

void TestOffload::splitPartsAddUpToTheExpert() {
    std::mt19937 rng(5);
    const size_t n_embd = 256, n_ff = 1024;
    backend::cpu::ThreadPool pool(2);
    for (BlockFormat down_format : {BlockFormat::Q4_K, BlockFormat::Q6_K, BlockFormat::Q8_0}) {
        QuantMatrix gate = random_matrix(BlockFormat::Q4_K, n_ff, n_embd, rng);
        QuantMatrix up = random_matrix(BlockFormat::Q4_K, n_ff, n_embd, rng);
        QuantMatrix down = random_matrix(down_format, n_embd, n_ff, rng);
        const model::ExpertMatrices whole{gate.view, up.view, down.view};
        QVERIFY(splittable(whole));
        std::vector<float> x(n_embd), full(n_embd), cpu(n_embd), dev(n_embd);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        for (float& v : x) v = dist(rng);
        ExpertScratch scratch;
        compute_expert(pool, whole, x.data(), 1, n_embd, n_ff, scratch, full.data());
        for (uint32_t first : {256u, 512u, 768u}) {
            const model::ExpertMatrices mine = cpu_part(whole, first);
            compute_expert(pool, mine, x.data(), 1, n_embd, first, scratch, cpu.data());
            const DevicePart part = device_part(whole, first);
            const std::vector<uint8_t> moved = copy_part(part);
            compute_expert(pool, part.views(moved.data()), x.data(), 1, n_embd, n_ff - first,
                           scratch, dev.data());
            // Everything is read once: the parts' bytes are the expert's.
            QCOMPARE(weight_bytes(mine) + part.payload_bytes(), weight_bytes(whole));
            for (const PartCopy& c : part.copies) QCOMPARE(c.dst_pitch % 16, uint64_t(0));
            double worst = 0, scale = 0;
            for (size_t i = 0; i < n_embd; ++i) {
                worst = std::max(worst, double(std::abs(cpu[i] + dev[i] - full[i])));
                scale = std::max(scale, double(std::abs(full[i])));
            }
            // The same products and the same activation blocks: only the
            // order of one sum differs.
            QVERIFY2(worst <= 1e-5 * scale,
                     qPrintable(QString("%1 split at %2: %3 of %4")
                                    .arg(quant::format_name(down_format).data())
                                    .arg(first)
                                    .arg(worst)
                                    .arg(scale)));
        }
    }
}

void TestOffload::splitExpertsCompeteWithLoads() {
    CostModel cost;
    cost.cpu_bytes_per_second = 50e9;
    cost.host_to_device.bytes_per_second = 55e9;
    cost.device_bytes_per_second = 2e12;
    cost.cpu_latency_seconds = cost.host_to_device.latency_seconds = 0;
    ExpertSituation s;
    s.demand = {Precision::High, false};
    s.bytes_high = 100'000'000;
    s.bytes_low = 50'000'000;
    // The CPU alone (2 ms) is slower than the load (1.87 ms).
    QVERIFY(decide_expert(s, cost, {}).action == ExpertAction::LoadHigh);
    // Split, the link carries half while the CPU computes half: about 1 ms.
    const uint32_t n_ff = 14336;
    const uint32_t first = split_row(s.bytes_high, s.bytes_high, n_ff, cost, 0, 0, 0.5);
    QCOMPARE(first, n_ff / 2);
    s.split_seconds = split_seconds(s.bytes_high, s.bytes_high, n_ff, first, cost, 0, 0);
    QVERIFY(std::abs(*s.split_seconds - 0.001) < 0.0001);
    QVERIFY(decide_expert(s, cost, {}).action == ExpertAction::CpuCompute);
    // Without CPU fallback nothing goes to the CPU, split or not.
    QVERIFY(decide_expert(s, cost, {false, false}).action == ExpertAction::LoadHigh);
    // A link already busy makes the split no better than the CPU alone.
    const uint32_t busy = split_row(s.bytes_high, s.bytes_high, n_ff, cost, 0, 0.003, 0.5);
    QCOMPARE(busy, n_ff);
    QCOMPARE(split_seconds(s.bytes_high, s.bytes_high, n_ff, busy, cost, 0, 0.003), 0.002);
}

void TestOffload::expertHeatFindsTheHotExperts() {
    ExpertHeat heat(2, 4, 8); // half-life 8 tokens
    for (uint64_t t = 0; t < 64; ++t) {
        heat.on_request(0, 0, t); // every token
        if (t % 4 == 0) heat.on_request(0, 1, t);
        if (t < 8) heat.on_request(0, 2, t); // early, then no more
    }
    // Expert 0's count settles near 1 / (1 - 2^(-1/8)) = 12.0.
    QVERIFY(std::abs(heat.heat(0, 0, 63) - 12.0) < 0.6);
    // It halves every 8 tokens without requests.
    QVERIFY(std::abs(heat.heat(0, 0, 71) - heat.heat(0, 0, 63) / 2) < 1e-9);
    // Against a stale resident (2), expert 0 is hot and 1 (about 3.5) too;
    // against 0 as the resident, 1 is not (it is asked for a quarter as often).
    auto only = [](uint16_t r) { return [r](uint16_t e) { return e == r; }; };
    QVERIFY(heat.hotter_than_residents(0, 0, 63, only(2)));
    QVERIFY(heat.hotter_than_residents(0, 1, 63, only(2)));
    QVERIFY(!heat.hotter_than_residents(0, 1, 63, only(0)));
    // Nothing resident: hot once asked for more than once lately.
    auto none = [](uint16_t) { return false; };
    QVERIFY(heat.hotter_than_residents(0, 1, 63, none));
    QVERIFY(!heat.hotter_than_residents(1, 0, 63, none)); // never asked for
}

void TestOffload::replaySplitsOnTheRealTrace() {
    // The engine on a GPU at half the experts resident: with splits, the
    // misses stream over the CPU and the link together, and only hot experts
    // are loaded behind, so decode is faster for about the same hit rate.
    ReplayConfig c;
    c.policy = PolicyKind::Multi;
    c.budget.resident_fraction = 0.5;
    c.cost.host_to_device.bytes_per_second = 55e9;
    c.cost.cpu_bytes_per_second = 70e9;
    c.cost.device_bytes_per_second = 2000e9;
    const ReplayReport plain = replay_trace(real_->trace, mixtral_, c);
    c.split_experts = true;
    const ReplayReport split = replay_trace(real_->trace, mixtral_, c);
    qInfo("half resident: %.1f -> %.1f tok/s, hit rate %.3f -> %.3f, %llu split experts, loads "
          "behind CPU experts %.1f -> %.1f GB",
          plain.decode_tokens_per_second(), split.decode_tokens_per_second(), plain.hit_rate(),
          split.hit_rate(), (unsigned long long)split.split_experts, plain.bytes_admitted / 1e9,
          split.bytes_admitted / 1e9);
    QCOMPARE(plain.split_experts, uint64_t(0));
    QVERIFY(split.split_experts > 0 && split.bytes_split > 0);
    QVERIFY(split.bytes_admitted < plain.bytes_admitted);
    QVERIFY(split.decode_tokens_per_second() > 1.1 * plain.decode_tokens_per_second());
    QVERIFY(split.hit_rate() > plain.hit_rate() - 0.05);
}
