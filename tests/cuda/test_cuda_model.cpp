// The GPU forward pass: conformance logits and greedy decoding with the CPU
// engine's tolerances, graph replay against direct launches, and the GPU
// against the CPU engine on synthetic models.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "model/conformance_reference.hpp"
#include "test_cuda.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/cuda_model.hpp"
#include "gguf/gguf_file.hpp"
#include "model/model.hpp"
#include "synth/model_shape.hpp"
#include "synth/synthetic_model.hpp"

#include <QtTest>

#include <filesystem>

using namespace hoard;
using namespace hoard::test;
using backend::cuda::CudaModel;
using backend::cuda::CudaModelOptions;
using model::LogitsMode;
using model::Model;

namespace {

bool conformance_model_present(const QString& name) {
    return std::filesystem::exists(conformance_path("models/" + name.toStdString() + ".gguf"));
}

struct Comparison {
    double max_rel = 0, median_rel = 0, agreement = 1;
    size_t decisive = 0, agree = 0;
    QStringList differing;
};

// Per position: rel = ‖ours − ref‖ / ‖ref‖, and argmax agreement where the
// reference's margin is at least 0.1.
Comparison compare(const std::vector<float>& ours, const std::vector<float>& ref, size_t n_vocab) {
    Comparison c;
    std::vector<double> rels;
    const size_t positions = ref.size() / n_vocab;
    for (size_t p = 0; p < positions; ++p) {
        const float* a = ours.data() + p * n_vocab;
        const float* b = ref.data() + p * n_vocab;
        rels.push_back(rel_error(a, b, n_vocab));
        if (margin(b, n_vocab) >= 0.1) {
            ++c.decisive;
            if (argmax(a, n_vocab) == argmax(b, n_vocab))
                ++c.agree;
            else
                c.differing << QString::number(p);
        }
    }
    std::sort(rels.begin(), rels.end());
    c.max_rel = rels.back();
    c.median_rel = rels.size() % 2 ? rels[rels.size() / 2]
                                   : (rels[rels.size() / 2 - 1] + rels[rels.size() / 2]) / 2;
    c.agreement = c.decisive ? double(c.agree) / double(c.decisive) : 1.0;
    return c;
}

std::unique_ptr<CudaModel> gpu_model(const Model& m, bool graphs = true) {
    CudaModelOptions o;
    o.use_graphs = graphs;
    return CudaModel::load(m, o);
}

void add_conformance_rows() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<bool>("exact");
    QTest::newRow("mixtral f16 p1") << "tiny-mixtral-f16"
                                    << "p1" << true;
    QTest::newRow("mixtral f16 p2") << "tiny-mixtral-f16"
                                    << "p2" << true;
    QTest::newRow("mixtral q4_k_m p1") << "tiny-mixtral-q4_k_m"
                                       << "p1" << false;
    QTest::newRow("qwen3moe q8_0 p1") << "tiny-qwen3moe-q8_0"
                                      << "p1" << false;
}

} // namespace

void TestCuda::conformance_data() {
    add_conformance_rows();
}

// All positions of prompt + greedy tokens in one batch on the GPU.
void TestCuda::conformance() {
    QFETCH(QString, model);
    QFETCH(QString, prompt);
    QFETCH(bool, exact);
    if (!conformance_model_present(model))
        QSKIP(qPrintable("conformance model not present here: " + model));
    const Reference ref = read_reference(model.toStdString(), prompt.toStdString());
    const auto m = Model::load(open_model(model.toStdString()));
    const auto gpu = gpu_model(*m);
    std::vector<int32_t> tokens = ref.prompt;
    tokens.insert(tokens.end(), ref.greedy.begin(), ref.greedy.end());
    auto cache = gpu->make_cache(tokens.size());
    std::vector<float> logits;
    gpu->eval(*cache, tokens, LogitsMode::All, logits);
    QCOMPARE(logits.size(), ref.logits.size());
    QCOMPARE(cache->size(), tokens.size());

    const Comparison c = compare(logits, ref.logits, ref.n_vocab);
    qInfo("GPU %s %s: %zu positions, rel max %.5f median %.5f, argmax agreement %zu/%zu "
          "(%.1f%%)%s%s",
          qPrintable(model), qPrintable(prompt), tokens.size(), c.max_rel, c.median_rel, c.agree,
          c.decisive, 100.0 * c.agreement, c.differing.isEmpty() ? "" : ", differing at ",
          qPrintable(c.differing.join(',')));
    QVERIFY(c.decisive > tokens.size() / 2);
    if (exact) {
        QVERIFY2(c.max_rel <= 0.01, "F16 model: rel must be <= 0.01 at every position");
        QCOMPARE(c.agree, c.decisive);
    } else {
        QVERIFY2(c.median_rel <= 0.05, "quantized model: median rel must be <= 0.05");
        QVERIFY2(c.agreement >= 0.9, "quantized model: argmax agreement must be >= 90%");
    }
}

void TestCuda::greedyDecoding_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("prompt");
    QTest::addColumn<bool>("required");
    QTest::newRow("mixtral f16 p1") << "tiny-mixtral-f16"
                                    << "p1" << true;
    QTest::newRow("mixtral f16 p2") << "tiny-mixtral-f16"
                                    << "p2" << true;
    // As on the CPU: its reference takes the runner-up of a 0.03 near-tie.
    QTest::newRow("mixtral q4_k_m p1") << "tiny-mixtral-q4_k_m"
                                       << "p1" << false;
    QTest::newRow("qwen3moe q8_0 p1") << "tiny-qwen3moe-q8_0"
                                      << "p1" << true;
}

// Prefill the prompt, then one token at a time (the captured decode step).
void TestCuda::greedyDecoding() {
    QFETCH(QString, model);
    QFETCH(QString, prompt);
    QFETCH(bool, required);
    if (!conformance_model_present(model))
        QSKIP(qPrintable("conformance model not present here: " + model));
    const Reference ref = read_reference(model.toStdString(), prompt.toStdString());
    const auto m = Model::load(open_model(model.toStdString()));
    const auto gpu = gpu_model(*m);
    auto cache = gpu->make_cache(ref.prompt.size() + ref.greedy.size());
    std::vector<float> logits;
    gpu->eval(*cache, ref.prompt, LogitsMode::Last, logits);
    QCOMPARE(logits.size(), ref.n_vocab);
    std::vector<int32_t> generated;
    for (size_t i = 0; i < ref.greedy.size(); ++i) {
        const int32_t next = int32_t(argmax(logits.data(), logits.size()));
        generated.push_back(next);
        const int32_t one[] = {next};
        gpu->eval(*cache, one, LogitsMode::Last, logits);
    }
    QCOMPARE(cache->size(), ref.prompt.size() + ref.greedy.size());
    size_t matching = 0;
    while (matching < generated.size() && generated[matching] == ref.greedy[matching]) ++matching;
    qInfo("GPU %s %s: greedy tokens match the reference for %zu of %zu", qPrintable(model),
          qPrintable(prompt), matching, generated.size());
    check_greedy(generated, ref, required);
}

// The captured decode step computes exactly what direct launches compute, and
// token-by-token decoding agrees with one batched pass.
void TestCuda::graphReplayMatchesDirect() {
    QString name;
    for (const char* candidate : {"tiny-mixtral-q4_k_m", "tiny-qwen3moe-q8_0", "tiny-mixtral-f16"})
        if (conformance_model_present(candidate)) {
            name = candidate;
            break;
        }
    if (name.isEmpty()) QSKIP("no conformance model present here");
    const Reference ref = read_reference(name.toStdString(), "p1");
    const auto m = Model::load(open_model(name.toStdString()));
    const auto graphs = gpu_model(*m, true), direct = gpu_model(*m, false);
    std::vector<int32_t> tokens = ref.prompt;
    tokens.insert(tokens.end(), ref.greedy.begin(), ref.greedy.end());
    const size_t nv = ref.n_vocab;

    auto c1 = graphs->make_cache(tokens.size()), c2 = direct->make_cache(tokens.size());
    std::vector<float> a, b, stepwise;
    const size_t split = ref.prompt.size();
    graphs->eval(*c1, std::span(tokens).first(split), LogitsMode::Last, a);
    direct->eval(*c2, std::span(tokens).first(split), LogitsMode::Last, b);
    QCOMPARE(a, b);
    stepwise.insert(stepwise.end(), a.begin(), a.end());
    for (size_t p = split; p < tokens.size(); ++p) {
        graphs->eval(*c1, std::span(tokens).subspan(p, 1), LogitsMode::Last, a);
        direct->eval(*c2, std::span(tokens).subspan(p, 1), LogitsMode::Last, b);
        QVERIFY2(a == b, qPrintable(QString("position %1").arg(p)));
        stepwise.insert(stepwise.end(), a.begin(), a.end());
    }

    auto c3 = graphs->make_cache(tokens.size());
    std::vector<float> batched;
    graphs->eval(*c3, tokens, LogitsMode::All, batched);
    // stepwise holds positions split - 1 … end; compare them with the batch's.
    const std::vector<float> same_positions(batched.begin() + (split - 1) * nv, batched.end());
    const Comparison c = compare(stepwise, same_positions, nv);
    qInfo("%s: decode path vs batch path over %zu positions: rel max %.5f median %.5f",
          qPrintable(name), stepwise.size() / nv, c.max_rel, c.median_rel);
    QVERIFY(c.median_rel < 0.03);
    QVERIFY(c.agreement >= 0.9);
}

// The GPU against the CPU engine on Hoard's synthetic default shape
// (qwen3moe), which needs no reference data.
void TestCuda::syntheticModelMatchesCpu() {
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    for (const char* type : {"q8_0", "q4_k_m"}) {
        const std::filesystem::path path = dir / ("hoard-cuda-test-" + std::string(type) + ".gguf");
        synth::SynthOptions options;
        options.type = type;
        synth::write_synthetic_model(synth::find_shape("hoard-tiny-moe"), options, path);
        const auto m = Model::load(gguf::GgufFile::open(path));
        std::mt19937 rng(17);
        std::vector<int32_t> tokens(45);
        for (int32_t& t : tokens) t = int32_t(rng() % m->config().n_vocab);

        backend::cpu::ThreadPool pool;
        model::KvCache cpu_cache = m->make_cache(tokens.size());
        std::vector<float> cpu;
        m->eval(cpu_cache, tokens, pool, LogitsMode::All, cpu);
        const auto gpu = gpu_model(*m);
        auto cache = gpu->make_cache(tokens.size());
        std::vector<float> ours;
        gpu->eval(*cache, tokens, LogitsMode::All, ours);
        std::filesystem::remove(path);

        const Comparison c = compare(ours, cpu, m->config().n_vocab);
        qInfo("synthetic %s: GPU vs CPU rel max %.5f median %.5f, argmax %zu/%zu", type, c.max_rel,
              c.median_rel, c.agree, c.decisive);
        QVERIFY2(c.median_rel <= 0.05, type);
        QVERIFY2(c.agreement >= 0.9, type);
    }
}

#endif // HOARD_HAVE_CUDA
