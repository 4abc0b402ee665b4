// The suite's fixture: one engine, the conformance model tiny-mixtral-f16
// loaded for the CPU engine, and its reference prompt and greedy tokens.
#include "test_profiling.hpp"

#include "common/conformance.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

namespace hoard::test {

Reference mixtral_reference() {
    Reference r;
    r.model = conformance_path("models/tiny-mixtral-f16.gguf");
    std::ifstream in(conformance_path("models/tiny-mixtral-f16.p1.json"));
    const nlohmann::json j = nlohmann::json::parse(in);
    r.prompt = j.at("prompt_tokens").get<std::vector<int32_t>>();
    r.greedy = j.at("greedy_tokens").get<std::vector<int32_t>>();
    return r;
}

GenerationParams greedy_params(int32_t max_tokens, size_t prefill_chunk) {
    GenerationParams p;
    p.max_tokens = max_tokens;
    p.sampling = SamplingParams::greedy();
    p.stop_at_end_of_generation = false;
    p.prefill_chunk = prefill_chunk;
    return p;
}

std::shared_ptr<Model> load_offloaded(Engine& engine, const Reference& ref,
                                      const std::filesystem::path& cache_dir,
                                      OffloadOptions* used) {
    constexpr size_t kCtx = 128;
    const OffloadPlan all =
        OffloadPlanner::for_file(ref.model).plan(uint64_t(64) << 30, kCtx, false);
    OffloadOptions o;
    o.n_ctx = kCtx;
    o.low_precision = false;
    o.cache_dir = cache_dir;
    o.device_bytes =
        all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes + all.expert_bytes_high / 3;
    if (used) *used = o;
    LoadOptions options;
    options.offload = o;
    return engine.load_model(ref.model, {}, nullptr, options);
}

std::vector<int32_t> generate_tokens(Session& session, const std::vector<int32_t>& prompt,
                                     const GenerationParams& params) {
    std::vector<int32_t> out;
    session.generate(prompt, params, [&](int32_t token, std::string_view) {
        if (token >= 0) out.push_back(token);
        return true;
    });
    return out;
}

} // namespace hoard::test

std::filesystem::path TestProfiling::scratch(const std::string& name) const {
    return std::filesystem::path(tmp_.path().toStdString()) / name;
}

void TestProfiling::initTestCase() {
    QVERIFY(tmp_.isValid());
    ref_ = hoard::test::mixtral_reference();
    QCOMPARE(ref_.prompt.size(), size_t(31));
    QCOMPARE(ref_.greedy.size(), size_t(16));
    engine_ = std::make_unique<hoard::Engine>(hoard::Engine::Options{2});
    cpu_model_ = engine_->load_model(ref_.model);
    QVERIFY(!cpu_model_->offloaded());
}

QTEST_GUILESS_MAIN(TestProfiling)
