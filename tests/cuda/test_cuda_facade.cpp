// The engine facade on the GPU: loading with Backend::Cuda (all in VRAM, and
// through the GPU offload engine) reproduces the conformance greedy tokens
// through Engine, Model and Session, as the CPU engine does.
#ifdef HOARD_HAVE_CUDA
#include "model/conformance_reference.hpp"
#include "test_cuda.hpp"

#include "common/conformance.hpp"
#include "hoard/engine.hpp"

#include <QtTest>

#include <filesystem>

using namespace hoard;
using namespace hoard::test;

namespace {

// The q8_0 model's greedy tokens match exactly on the GPU (see greedyDecoding).
const std::string kModel = "tiny-qwen3moe-q8_0";

std::vector<int32_t> greedy_through_facade(const LoadOptions& options, const Reference& ref,
                                           std::string& backend) {
    Engine engine;
    auto m =
        engine.load_model(conformance_path("models/" + kModel + ".gguf"), {}, nullptr, options);
    backend = m->backend_name();
    qInfo("backend: %s", m->backend_description().c_str());
    auto session = engine.create_session(m, ref.prompt.size() + ref.greedy.size() + 8);
    GenerationParams params;
    params.sampling = SamplingParams::greedy();
    params.max_tokens = int32_t(ref.greedy.size());
    params.stop_at_end_of_generation = false;
    std::vector<int32_t> generated;
    const auto collect = [&](int32_t t, std::string_view) {
        if (t >= 0) generated.push_back(t);
        return true;
    };
    session->generate(ref.prompt, params, collect);
    // Again on the same session: the cached prompt is reused (or, on the
    // offload engine's one sequence, evaluated again) and gives the same tokens.
    const std::vector<int32_t> first = generated;
    generated.clear();
    session->generate(ref.prompt, params, collect);
    if (generated != first) return generated;
    return first;
}

} // namespace

void TestCuda::facadeRunsOnTheGpu() {
    if (!std::filesystem::exists(conformance_path("models/" + kModel + ".gguf")))
        QSKIP("conformance model not present here");
    const Reference ref = read_reference(kModel, "p1");
    LoadOptions options;
    options.backend = Backend::Cuda;
    std::string backend;
    QCOMPARE(greedy_through_facade(options, ref, backend), ref.greedy);
    QCOMPARE(backend, std::string("cuda"));

    // Auto picks the GPU where there is one.
    options.backend = Backend::Auto;
    QCOMPARE(greedy_through_facade(options, ref, backend), ref.greedy);
    QCOMPARE(backend, std::string("cuda"));

    // The GPU offload engine, with room for every expert at full precision.
    OffloadOptions offload;
    offload.device_bytes = uint64_t(2) << 30;
    offload.low_precision = false;
    offload.cpu_fallback = false;
    options.backend = Backend::Cuda;
    options.offload = offload;
    QCOMPARE(greedy_through_facade(options, ref, backend), ref.greedy);
    QCOMPARE(backend, std::string("cuda"));
}

#endif
