// The offload engine on the GPU over the real link: with room for every
// expert it computes what the all-in-VRAM model computes; under a small
// budget it loads experts over the link and computes others on the CPU at
// once, still close to it, and device memory (cudaMemGetInfo) never passes
// the budget; low-precision copies made on the GPU are valid q2_K.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "model/conformance_reference.hpp"
#include "test_cuda.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/cuda_model.hpp"
#include "backend/cuda/gpu_offload_setup.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "offload/byte_size.hpp"
#include "synth/model_shape.hpp"
#include "synth/synthetic_model.hpp"

#include <QtTest>

#include <filesystem>

using namespace hoard;
using namespace hoard::test;
using namespace hoard::test::cuda;
using backend::cuda::CudaModel;
using backend::cuda::CudaModelOptions;
using model::LogitsMode;

namespace {

constexpr size_t MiB = size_t(1) << 20;

// A synthetic model file for the whole suite (written once).
struct TestModel {
    std::filesystem::path path;
    std::unique_ptr<model::Model> model;
};

const TestModel& tiny_model() {
    static TestModel t = [] {
        TestModel m;
        m.path = std::filesystem::temp_directory_path() / "hoard-cuda-offload-test.gguf";
        synth::SynthOptions o;
        o.type = "q4_k_m";
        synth::write_synthetic_model(synth::find_shape("hoard-tiny-moe"), o, m.path);
        m.model = model::Model::load(gguf::GgufFile::open(m.path));
        return m;
    }();
    return t;
}

std::vector<int32_t> test_tokens(size_t n, size_t n_vocab) {
    std::vector<int32_t> t(n);
    for (size_t i = 0; i < n; ++i) t[i] = int32_t((i * 7919 + 13) % n_vocab);
    return t;
}

double rel(const float* a, const float* b, size_t n) {
    double d = 0, r = 0;
    for (size_t i = 0; i < n; ++i) {
        d += double(a[i] - b[i]) * double(a[i] - b[i]);
        r += double(b[i]) * double(b[i]);
    }
    return r > 0 ? std::sqrt(d / r) : std::sqrt(d);
}

// Prefill then decode token by token; the logits of every position after the
// prompt's last (prompt's last included), concatenated.
template <class Eval>
std::vector<float> prefill_then_decode(Eval&& eval, const std::vector<int32_t>& tokens,
                                       size_t split, size_t n_vocab) {
    std::vector<float> out, logits;
    eval(std::span(tokens).first(split), logits);
    out.insert(out.end(), logits.end() - long(n_vocab), logits.end());
    for (size_t p = split; p < tokens.size(); ++p) {
        eval(std::span(tokens).subspan(p, 1), logits);
        out.insert(out.end(), logits.begin(), logits.end());
    }
    return out;
}

std::vector<float> resident_reference(const std::vector<int32_t>& tokens, size_t split) {
    const model::Model& m = *tiny_model().model;
    const auto gpu = CudaModel::load(m, CudaModelOptions{});
    auto cache = gpu->make_cache(tokens.size());
    return prefill_then_decode(
        [&](std::span<const int32_t> t, std::vector<float>& l) {
            gpu->eval(*cache, t, LogitsMode::Last, l);
        },
        tokens, split, m.config().n_vocab);
}

struct Offloaded {
    std::unique_ptr<backend::cpu::ThreadPool> pool;
    backend::cuda::GpuOffload gpu;
};

OffloadOptions base_options(size_t budget) {
    OffloadOptions o;
    o.device_bytes = budget;
    o.low_precision = false;
    o.cpu_threads = 2;
    o.link_gbps = 25;
    o.cache_dir = std::filesystem::temp_directory_path() / "hoard-cuda-offload-cache";
    return o;
}

Offloaded start_offloaded(const OffloadOptions& options, size_t n_ctx) {
    Offloaded o;
    o.pool = std::make_unique<backend::cpu::ThreadPool>(2);
    model::Model& m = *tiny_model().model;
    auto quantizer = std::make_shared<backend::cuda::GpuExpertQuantizer>();
    offload::PreparedStore store = offload::prepare_store(
        m, tiny_model().path, options, *o.pool, {}, backend::cuda::gpu_store_options(quantizer));
    o.gpu = backend::cuda::start_gpu_offload(m, store.store, options, n_ctx, nullptr,
                                             std::chrono::steady_clock::now());
    return o;
}

std::vector<float> run(Offloaded& o, const std::vector<int32_t>& tokens, size_t split) {
    return prefill_then_decode(
        [&](std::span<const int32_t> t, std::vector<float>& l) {
            o.gpu.model->eval(t, LogitsMode::Last, l);
        },
        tokens, split, o.gpu.model->config().n_vocab);
}

// Bytes the budget needs besides expert slots, learned from a roomy model.
size_t fixed_bytes(size_t n_ctx) {
    Offloaded big = start_offloaded(base_options(size_t(2) << 30), n_ctx);
    const offload::BudgetPlan& p = big.gpu.model->plan();
    // Less the cuBLAS prefill buffers, which only a roomy budget gets.
    return p.non_expert_bytes + p.kv_cache_bytes + p.workspace_bytes -
           big.gpu.model->prefill_scratch_bytes();
}

// Room for `layers` layers' experts at high precision.
size_t room_for_layers(size_t n_ctx, size_t layers) {
    const model::ModelConfig& c = tiny_model().model->config();
    Offloaded probe = start_offloaded(base_options(size_t(2) << 30), n_ctx);
    const offload::ExpertCatalog& catalog = probe.gpu.executor->catalog();
    const size_t slot = round_up(catalog.max_blob_bytes(telemetry::Precision::High), 256);
    return fixed_bytes(n_ctx) + layers * c.n_expert * slot + 8 * MiB;
}

struct Agreement {
    double median = 0, worst = 0;
    size_t argmax_equal = 0, positions = 0;
};

Agreement agreement(const std::vector<float>& a, const std::vector<float>& b, size_t nv) {
    std::vector<double> rels;
    Agreement g;
    for (size_t p = 0; p < b.size() / nv; ++p) {
        rels.push_back(rel(a.data() + p * nv, b.data() + p * nv, nv));
        g.argmax_equal += argmax(a.data() + p * nv, nv) == argmax(b.data() + p * nv, nv);
    }
    std::sort(rels.begin(), rels.end());
    g.positions = rels.size();
    g.median = rels[rels.size() / 2];
    g.worst = rels.back();
    return g;
}

} // namespace

void TestCuda::offloadMatchesResidentModel() {
    const model::Model& m = *tiny_model().model;
    const size_t nv = m.config().n_vocab;
    const std::vector<int32_t> tokens = test_tokens(40, nv);
    const size_t split = 30;
    const std::vector<float> ref = resident_reference(tokens, split);

    // Room for every expert at high precision: after the first pass loads
    // them, every expert is a hit, and the arithmetic is the resident model's.
    OffloadOptions o = base_options(size_t(2) << 30);
    o.cpu_fallback = false;
    Offloaded gpu = start_offloaded(o, tokens.size());
    const std::vector<float> ours = run(gpu, tokens, split);
    QCOMPARE(ours.size(), ref.size());
    double worst = 0;
    for (size_t p = 0; p < ref.size() / nv; ++p)
        worst = std::max(worst, rel(ours.data() + p * nv, ref.data() + p * nv, nv));
    const OffloadCounters c = gpu.gpu.executor->counters();
    qInfo("offloaded with room for all experts vs resident: worst rel %.2e; %llu loads, %llu hits",
          worst, (unsigned long long)(c.actions[2] + c.actions[3]), (unsigned long long)c.hits());
    QVERIFY(c.actions[2] > 0); // loaded over the link first
    QVERIFY(c.hits() > 0);
    QCOMPARE(c.actions[4], uint64_t(0)); // no CPU experts
    QVERIFY2(worst < 1e-4, "the offloaded GPU pass must compute what the resident one does");
}

void TestCuda::offloadUnderBudgetWithCpuAndLoads() {
    const model::Model& m = *tiny_model().model;
    const model::ModelConfig& c = m.config();
    const size_t nv = c.n_vocab;
    const std::vector<int32_t> tokens = test_tokens(48, nv);
    const size_t split = 32;
    const std::vector<float> ref = resident_reference(tokens, split);

    // Room for three layers' worth of experts out of six.
    const size_t budget = room_for_layers(tokens.size(), c.n_layer / 2);

    OffloadOptions o = base_options(budget);
    // The link's rate is measured; a CPU this fast (for these small experts,
    // its hand-off latency dominates) takes a layer's second or third miss
    // while the link carries the first.
    o.cpu_gbps = 1000;
    Offloaded gpu = start_offloaded(o, tokens.size());
    const std::vector<float> ours = run(gpu, tokens, split);
    std::vector<double> rels;
    size_t agree = 0;
    for (size_t p = 0; p < ref.size() / nv; ++p) {
        rels.push_back(rel(ours.data() + p * nv, ref.data() + p * nv, nv));
        agree += argmax(ours.data() + p * nv, nv) == argmax(ref.data() + p * nv, nv);
    }
    std::sort(rels.begin(), rels.end());
    const OffloadCounters k = gpu.gpu.executor->counters();
    qInfo("budget %s (%.0f expert slots): rel median %.4f max %.4f, argmax %zu/%zu; hits %llu, "
          "loads %llu, CPU %llu, %s to the device, %s read by the CPU",
          offload::format_byte_size(budget).c_str(), gpu.gpu.model->plan().high_slots,
          rels[rels.size() / 2], rels.back(), agree, rels.size(), (unsigned long long)k.hits(),
          (unsigned long long)(k.actions[2] + k.actions[3]), (unsigned long long)k.actions[4],
          offload::format_byte_size(k.bytes_to_device()).c_str(),
          offload::format_byte_size(k.bytes_cpu_read).c_str());
    QVERIFY(gpu.gpu.model->plan().high_slots < double(c.n_layer * c.n_expert));
    QVERIFY(k.actions[2] > 0); // loads over the link
    QVERIFY(k.actions[4] > 0); // and CPU experts
    QVERIFY(k.transfers > 0);
    // CPU experts encode activations as the CPU engine does: close, not equal.
    QVERIFY(rels[rels.size() / 2] < 0.03);
    QVERIFY(double(agree) >= 0.9 * double(rels.size()));
}

void TestCuda::offloadStaysWithinBudget() {
    const model::Model& m = *tiny_model().model;
    const model::ModelConfig& c = m.config();
    const std::vector<int32_t> tokens = test_tokens(64, c.n_vocab);
    // Warm: kernels loaded, the driver's own allocations made.
    {
        Offloaded warm = start_offloaded(base_options(size_t(1) << 30), tokens.size());
        run(warm, tokens, 40);
    }
    Offloaded probe = start_offloaded(base_options(size_t(1) << 30), tokens.size());
    const size_t slot =
        round_up(probe.gpu.executor->catalog().max_blob_bytes(telemetry::Precision::High), 256);
    const size_t fixed = fixed_bytes(tokens.size());
    probe = {};
    const size_t budget = fixed + 2 * c.n_expert * slot + 8 * MiB;

    size_t free_before = 0, total = 0;
    check_cuda(cudaDeviceSynchronize(), "synchronizing");
    backend::cuda::device_memory_info(free_before, total);
    OffloadOptions o = base_options(budget);
    o.prefetch = true;
    Offloaded gpu = start_offloaded(o, tokens.size());
    run(gpu, tokens, 40);
    size_t free_after = 0;
    check_cuda(cudaDeviceSynchronize(), "synchronizing");
    backend::cuda::device_memory_info(free_after, total);
    const size_t taken = free_before > free_after ? free_before - free_after : 0;
    const OffloadCounters k = gpu.gpu.executor->counters();
    qInfo("budget %zu MiB: counted peak %zu MiB, cudaMemGetInfo shows %zu MiB taken; %llu "
          "transfers, %llu evictions",
          budget / MiB, gpu.gpu.model->memory().peak() / MiB, taken / MiB,
          (unsigned long long)k.transfers, (unsigned long long)k.evictions);
    QVERIFY(k.evictions > 0); // the slots really turned over
    QVERIFY(gpu.gpu.model->memory().peak() <= budget);
    QVERIFY(taken <= budget);
    QCOMPARE(k.device_capacity, uint64_t(budget));

    // A budget without room for one layer's experts is refused with the reason.
    try {
        Offloaded tiny = start_offloaded(base_options(fixed), tokens.size());
        QFAIL("a budget without room for experts was accepted");
    } catch (const Error& e) {
        qInfo("refused as expected: %s", e.what());
        QVERIFY(std::string(e.what()).find("budget") != std::string::npos);
    }

    // Room for one layer's experts of each copy size but not for split parts
    // as well: it runs without them.
    Offloaded roomy = start_offloaded(base_options(size_t(1) << 30), tokens.size());
    const size_t split =
        backend::cuda::DeviceMemory::counted_size(roomy.gpu.model->expert_device().split_bytes());
    roomy = {};
    QVERIFY(split > 2 * c.n_expert_used * slot);
    const size_t tight = fixed - split + 2 * c.n_expert_used * slot + 14 * MiB;
    Offloaded small = start_offloaded(base_options(tight), tokens.size());
    QCOMPARE(small.gpu.model->expert_device().split_bytes(), size_t(0));
    run(small, tokens, 40);
    QVERIFY(small.gpu.model->memory().peak() <= tight);
}

void TestCuda::offloadLowPrecision() {
    const model::Model& m = *tiny_model().model;
    const model::ModelConfig& c = m.config();
    const size_t nv = c.n_vocab;
    const std::vector<int32_t> tokens = test_tokens(40, nv);
    const size_t split = 30;
    const std::vector<float> ref = resident_reference(tokens, split);
    OffloadOptions o = base_options(size_t(1) << 30);
    o.low_precision = true;
    o.low_format = "q2_K"; // what the GPU quantizer makes
    o.cpu_fallback = false;
    // Enough room for all low copies but not all high ones.
    Offloaded probe = start_offloaded(o, tokens.size());
    const offload::ExpertCatalog& catalog = probe.gpu.executor->catalog();
    QVERIFY(catalog.has_low());
    const size_t high = round_up(catalog.max_blob_bytes(telemetry::Precision::High), 256);
    const size_t fixed = fixed_bytes(tokens.size());
    probe = {};
    o.device_bytes = fixed + (c.n_layer * c.n_expert / 2) * high + 8 * MiB;
    Offloaded gpu = start_offloaded(o, tokens.size());
    const std::vector<float> ours = run(gpu, tokens, split);
    std::vector<double> rels;
    for (size_t p = 0; p < ref.size() / nv; ++p)
        rels.push_back(rel(ours.data() + p * nv, ref.data() + p * nv, nv));
    std::sort(rels.begin(), rels.end());
    const OffloadCounters k = gpu.gpu.executor->counters();
    qInfo("mixed precision: rel median %.4f max %.4f; hit high %llu, hit low %llu, load high %llu, "
          "load low %llu",
          rels[rels.size() / 2], rels.back(), (unsigned long long)k.actions[0],
          (unsigned long long)k.actions[1], (unsigned long long)k.actions[2],
          (unsigned long long)k.actions[3]);
    QVERIFY(k.actions[3] + k.actions[1] > 0); // low copies were used
    QVERIFY(k.actions[2] + k.actions[0] > 0); // and high ones
    // Low copies change the result, boundedly (q2_K of random weights).
    QVERIFY(rels[rels.size() / 2] < 0.5);
    for (double r : rels) QVERIFY(std::isfinite(r));
}

void TestCuda::gpuQuantizerQuality() {
    std::mt19937 rng(7);
    // An "expert" of three q4_K matrices in a buffer laid out like a file.
    const size_t rows = 64, n = 1024;
    std::vector<HostMatrix> mats;
    offload::ExpertLayout high;
    std::vector<uint8_t> file;
    for (size_t i = 0; i < 3; ++i) {
        mats.push_back(random_matrix(BlockFormat::Q4_K, rows, n, rng));
        offload::MatrixLayout& l = high.matrices[i];
        l.format = BlockFormat::Q4_K;
        l.n_rows = uint32_t(rows);
        l.row_length = uint32_t(n);
        l.row_stride = mats[i].row_stride;
        l.source_offset = file.size();
        file.insert(file.end(), mats[i].bytes.begin(), mats[i].bytes.end());
    }
    backend::cuda::GpuExpertQuantizer q;
    QVERIFY(backend::cuda::GpuExpertQuantizer::supports(BlockFormat::Q2_K));
    QVERIFY(!backend::cuda::GpuExpertQuantizer::supports(BlockFormat::Q4_K));
    std::vector<uint8_t> out;
    const offload::ExpertLayout low = q.quantize(high, file, BlockFormat::Q2_K, out);
    for (size_t i = 0; i < 3; ++i) {
        const offload::MatrixLayout& l = low.matrices[i];
        QCOMPARE(l.format, BlockFormat::Q2_K);
        QCOMPARE(size_t(l.row_stride), quant::row_bytes(BlockFormat::Q2_K, n));
        QVERIFY(l.source_offset + l.bytes() <= out.size());
        // Error of the GPU's q2_K against the CPU quantizer's, on the same values.
        double ours = 0, cpu = 0, norm = 0;
        std::vector<float> back(n), theirs(n);
        std::vector<uint8_t> cpu_row(l.row_stride);
        for (size_t r = 0; r < rows; ++r) {
            const float* x = mats[i].values.data() + r * n;
            quant::dequantize_row(BlockFormat::Q2_K,
                                  out.data() + l.source_offset + r * l.row_stride, back.data(), n);
            quant::quantize_row(BlockFormat::Q2_K, x, cpu_row.data(), n);
            quant::dequantize_row(BlockFormat::Q2_K, cpu_row.data(), theirs.data(), n);
            for (size_t j = 0; j < n; ++j) {
                ours += double(back[j] - x[j]) * double(back[j] - x[j]);
                cpu += double(theirs[j] - x[j]) * double(theirs[j] - x[j]);
                norm += double(x[j]) * double(x[j]);
            }
        }
        qInfo("matrix %zu: q2_K rel RMS error GPU %.4f, CPU quantizer %.4f", i,
              std::sqrt(ours / norm), std::sqrt(cpu / norm));
        QVERIFY(std::sqrt(ours / norm) < 0.4);
        // A min/max fit, not a search: somewhat worse, never far (1.25x measured on the host).
        QVERIFY(std::sqrt(ours) <= 1.4 * std::sqrt(cpu));
    }
    try {
        q.quantize(high, file, BlockFormat::Q4_K, out);
        QFAIL("an unsupported format was accepted");
    } catch (const Error&) {
    }
}

#endif // HOARD_HAVE_CUDA

void TestCuda::offloadSplitExperts() {
    const model::Model& m = *tiny_model().model;
    const size_t nv = m.config().n_vocab;
    const std::vector<int32_t> tokens = test_tokens(48, nv);
    const size_t split = 32;
    const std::vector<float> ref = resident_reference(tokens, split);
    // Room for one layer's experts of six: most of a token's four experts
    // miss; tiny experts load faster than the CPU takes them up (its hand-off
    // dominates), so the CPU takes a layer's later misses, which it splits.
    const size_t budget = room_for_layers(tokens.size(), 1);

    // CPU experts in decode share their rows with the GPU (the link carries
    // its part at once); with splits off the CPU computes them whole.
    std::vector<float> with, without;
    OffloadCounters k_with, k_without;
    for (bool on : {true, false}) {
        OffloadOptions o = base_options(budget);
        o.cpu_gbps = 1000; // CPU experts rather than loads (see above)
        o.admit_cpu_experts = false;
        o.split_experts = on;
        Offloaded gpu = start_offloaded(o, tokens.size());
        (on ? with : without) = run(gpu, tokens, split);
        (on ? k_with : k_without) = gpu.gpu.executor->counters();
    }
    const Agreement g = agreement(with, ref, nv), h = agreement(with, without, nv);
    qInfo("split experts: %llu (%s over the link, %s read by the CPU; without: %s) rel to the "
          "resident model median %.4f max %.4f, argmax %zu/%zu; to no splits median %.4f",
          (unsigned long long)k_with.split_experts,
          offload::format_byte_size(k_with.bytes_split).c_str(),
          offload::format_byte_size(k_with.bytes_cpu_read).c_str(),
          offload::format_byte_size(k_without.bytes_cpu_read).c_str(), g.median, g.worst,
          g.argmax_equal, g.positions, h.median);
    QVERIFY(k_with.split_experts > 0);
    QVERIFY(k_with.bytes_split > 0);
    QCOMPARE(k_without.split_experts, uint64_t(0));
    QCOMPARE(k_without.bytes_split, uint64_t(0));
    // The split moves bytes from the CPU to the link.
    auto per_cpu_expert = [](const OffloadCounters& k) {
        return double(k.bytes_cpu_read) / double(std::max<uint64_t>(k.actions[4], 1));
    };
    QVERIFY(per_cpu_expert(k_with) < per_cpu_expert(k_without));
    QVERIFY(g.median < 0.03);
    QVERIFY(double(g.argmax_equal) >= 0.9 * double(g.positions));
    QVERIFY(h.median < 0.03);
}
