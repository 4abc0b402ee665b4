// Prefill through cuBLAS (backend/cuda/cublas_prefill.hpp): weights decoded
// to float16 exactly, and whole models prefilled with it against the CPU
// engine and the conformance references.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "model/conformance_reference.hpp"
#include "test_cuda.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/cublas_library.hpp"
#include "backend/cuda/cublas_prefill_kernels.hpp"
#include "backend/cuda/cuda_model.hpp"
#include "gguf/gguf_file.hpp"
#include "model/model.hpp"
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
using model::Model;

namespace {

bool have_cublas(std::string& reason) {
    return backend::cuda::CublasLibrary::get(reason) != nullptr;
}

// Every batch through cuBLAS, however short.
std::unique_ptr<CudaModel> cublas_model(const Model& m) {
    CudaModelOptions o;
    o.cublas_min_tokens = 1;
    auto gpu = CudaModel::load(m, o);
    if (!gpu->uses_cublas()) qFatal("cuBLAS prefill unavailable: %s", gpu->cublas_note().c_str());
    return gpu;
}

struct Agreement {
    double median_rel = 0, max_rel = 0;
    size_t decisive = 0, agree = 0;
};

Agreement agreement(const std::vector<float>& ours, const std::vector<float>& ref, size_t nv) {
    Agreement a;
    std::vector<double> rels;
    for (size_t p = 0; p < ref.size() / nv; ++p) {
        const float* x = ours.data() + p * nv;
        const float* y = ref.data() + p * nv;
        rels.push_back(rel_error(x, y, nv));
        if (margin(y, nv) >= 0.1) {
            ++a.decisive;
            a.agree += argmax(x, nv) == argmax(y, nv);
        }
    }
    std::sort(rels.begin(), rels.end());
    a.median_rel = rels[rels.size() / 2];
    a.max_rel = rels.back();
    return a;
}

void cublas_matches_cpu();
void cublas_conformance();

} // namespace

void TestCuda::dequantizeHalfExact() {
    std::string reason;
    for (BlockFormat f : all_formats()) {
        std::mt19937 rng(11 + int(f));
        const HostMatrix m = random_matrix(f, 6, odd_row_length(f), rng);
        const DeviceBuffer w = to_device(m.bytes);
        const size_t first = 1, rows = 4, stride = round_up(m.row_length, 8) + 8;
        DeviceBuffer out = poisoned<__half>(rows * stride);
        dequantize_half(on_device(m, w), first, rows, out.as<__half>(), stride, nullptr);
        const std::vector<__half> got = from_device<__half>(out.data(), rows * stride);
        for (size_t r = 0; r < rows; ++r)
            for (size_t i = 0; i < m.row_length; ++i) {
                const float want = __half2float(__float2half_rn(m.value(first + r, i)));
                if (__half2float(got[r * stride + i]) != want)
                    QFAIL(qPrintable(QString("%1: row %2 value %3: %4 instead of %5")
                                         .arg(quant::format_name(f).data())
                                         .arg(r)
                                         .arg(i)
                                         .arg(double(__half2float(got[r * stride + i])))
                                         .arg(double(want))));
            }
    }
}

// The GPU with cuBLAS batches against the CPU engine on Hoard's synthetic
// qwen3moe shape, with a prompt long enough to split into several passes.
void TestCuda::cublasPrefillMatchesCpu() {
    std::string reason;
    if (!have_cublas(reason)) QSKIP(reason.c_str());
    try {
        cublas_matches_cpu();
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
}

namespace {

void cublas_matches_cpu() {
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    for (const char* type : {"q8_0", "q4_k_m"}) {
        const std::filesystem::path path =
            dir / ("hoard-cublas-test-" + std::string(type) + ".gguf");
        synth::SynthOptions options;
        options.type = type;
        synth::write_synthetic_model(synth::find_shape("hoard-tiny-moe"), options, path);
        const auto m = Model::load(gguf::GgufFile::open(path));
        std::mt19937 rng(23);
        std::vector<int32_t> tokens(600); // two passes: 512 + 88
        for (int32_t& t : tokens) t = int32_t(rng() % m->config().n_vocab);

        backend::cpu::ThreadPool pool;
        model::KvCache cpu_cache = m->make_cache(tokens.size());
        std::vector<float> cpu;
        m->eval(cpu_cache, tokens, pool, LogitsMode::All, cpu);
        const auto gpu = cublas_model(*m);
        auto cache = gpu->make_cache(tokens.size() + 1);
        std::vector<float> ours;
        gpu->eval(*cache, tokens, LogitsMode::All, ours);
        // Decoding continues from what the cuBLAS passes stored.
        std::vector<float> next;
        const int32_t follow = tokens[3];
        gpu->eval(*cache, std::span(&follow, 1), LogitsMode::Last, next);
        std::filesystem::remove(path);
        QVERIFY(std::all_of(next.begin(), next.end(), [](float v) { return std::isfinite(v); }));

        const Agreement a = agreement(ours, cpu, m->config().n_vocab);
        qInfo("synthetic %s, cuBLAS prefill vs CPU: rel max %.5f median %.5f, argmax %zu/%zu", type,
              a.max_rel, a.median_rel, a.agree, a.decisive);
        QVERIFY2(a.median_rel <= 0.05, type);
        QVERIFY2(a.agree >= a.decisive * 9 / 10, type);
    }
}

} // namespace

// The conformance references, prefilled in one cuBLAS batch.
void TestCuda::cublasPrefillConformance() {
    std::string reason;
    if (!have_cublas(reason)) QSKIP(reason.c_str());
    try {
        cublas_conformance();
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
}

namespace {

void cublas_conformance() {
    size_t checked = 0;
    for (const char* name : {"tiny-mixtral-f16", "tiny-mixtral-q4_k_m", "tiny-qwen3moe-q8_0"}) {
        if (!std::filesystem::exists(conformance_path("models/" + std::string(name) + ".gguf")))
            continue;
        const Reference ref = read_reference(name, "p1");
        const auto m = Model::load(open_model(name));
        const auto gpu = cublas_model(*m);
        std::vector<int32_t> tokens = ref.prompt;
        tokens.insert(tokens.end(), ref.greedy.begin(), ref.greedy.end());
        auto cache = gpu->make_cache(tokens.size());
        std::vector<float> ours;
        gpu->eval(*cache, tokens, LogitsMode::All, ours);
        const Agreement a = agreement(ours, ref.logits, ref.n_vocab);
        qInfo("%s, cuBLAS prefill vs reference: rel max %.5f median %.5f, argmax %zu/%zu", name,
              a.max_rel, a.median_rel, a.agree, a.decisive);
        QVERIFY2(a.median_rel <= 0.05, name);
        QVERIFY2(a.agree >= a.decisive * 9 / 10, name);
        ++checked;
    }
    if (!checked) QSKIP("no conformance model present here");
}

} // namespace

#endif // HOARD_HAVE_CUDA
