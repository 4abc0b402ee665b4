// The live offload engine in prefill passes on a budget below the model:
// batch passes evict by the batch rule and load about the minimum per pass
// (the experts the pass needs less those the pool holds), far fewer than the
// policy alone; the logits stay those of the plain engine.
#include "test_offload_live.hpp"

#include <QtTest>

using namespace hoard;
using hoard::test::bitwise_equal;
using hoard::test::model_file;
using offload_live_test::kUnlimited;

namespace {

struct PrefillRun {
    std::vector<float> logits;   // every position
    std::vector<uint64_t> loads; // demand loads per pass
    uint64_t batch_evictions = 0;
};

// Evaluates `tokens` in passes of `chunk` tokens (prefill passes, one KV cache).
PrefillRun prefill_in_passes(const Model& model, const std::vector<int32_t>& tokens, size_t chunk) {
    const model::Model& m = *model.impl().model;
    model::KvCache kv = m.make_cache(tokens.size());
    PrefillRun run;
    std::vector<float> logits;
    uint64_t before = 0;
    for (size_t at = 0; at < tokens.size(); at += chunk) {
        m.eval(kv, std::span(tokens).subspan(at, std::min(chunk, tokens.size() - at)),
               *model.impl().pool, model::LogitsMode::All, logits);
        run.logits.insert(run.logits.end(), logits.begin(), logits.end());
        const OffloadCounters c = model.offload_counters();
        // Demand loads (high: nothing else runs) and the prefill lookahead's.
        const uint64_t loads = c.actions[2] + c.prefetch_loads;
        run.loads.push_back(loads - before);
        before = loads;
    }
    if (model.impl().offload) run.batch_evictions = model.impl().offload->batch_evictions();
    return run;
}

} // namespace

void TestOffloadLive::prefillEvictsByTheBatchRule() {
    const std::string name = "tiny-mixtral-q4_k_m";
    // Six passes of 32 tokens (32 x top-2 >= 4 x 8 experts: batch passes).
    const std::vector<int32_t> prompt = test::conformance_tokens(name);
    std::vector<int32_t> tokens;
    for (size_t i = 0; tokens.size() < 192; ++i) tokens.push_back(prompt[i % prompt.size()]);
    const size_t chunk = 32;

    OffloadOptions o = options();
    o.n_ctx = tokens.size();
    o.cpu_fallback = false; // every miss is a load, whatever the timing
    o.prefetch = false;
    const OffloadPlan all =
        OffloadPlanner::for_file(model_file(name)).plan(kUnlimited, o.n_ctx, false);
    o.device_bytes = all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes +
                     all.expert_bytes_high * 6 / 10;
    const auto batch = load(model_file(name), o);
    const auto policy = load(model_file(name), o);
    policy->impl().offload->set_batch_eviction(false);
    const double held = batch->impl().offload->plan().high_slots;
    const uint64_t n_experts = uint64_t(all.n_layer) * all.n_expert;

    const PrefillRun with_rule = prefill_in_passes(*batch, tokens, chunk);
    const PrefillRun lru_only = prefill_in_passes(*policy, tokens, chunk);
    QString per_pass;
    for (size_t p = 0; p < with_rule.loads.size(); ++p)
        per_pass += QString(" %1/%2").arg(with_rule.loads[p]).arg(lru_only.loads[p]);
    qInfo("%s, %.1f of %llu experts held: loads per pass, batch rule/LRU:%s", name.c_str(), held,
          static_cast<unsigned long long>(n_experts), qPrintable(per_pass));

    // The same logits as the plain engine, whatever was evicted.
    const auto plain = load(model_file(name), std::nullopt);
    const PrefillRun reference = prefill_in_passes(*plain, tokens, chunk);
    QVERIFY(bitwise_equal(with_rule.logits, reference.logits));
    QVERIFY(bitwise_equal(lru_only.logits, reference.logits));

    // After the first pass: at most what a pass needs less what the pool
    // holds (copies differ in size: two of slack), and well below LRU.
    uint64_t rule_sum = 0, lru_sum = 0;
    for (size_t p = 1; p < with_rule.loads.size(); ++p) {
        QVERIFY2(double(with_rule.loads[p]) <= double(n_experts) - std::floor(held) + 2,
                 qPrintable(per_pass));
        rule_sum += with_rule.loads[p];
        lru_sum += lru_only.loads[p];
    }
    QVERIFY2(2 * rule_sum < lru_sum, qPrintable(per_pass));
    QVERIFY(with_rule.batch_evictions > 0);
    QCOMPARE(lru_only.batch_evictions, uint64_t(0));
    QVERIFY(batch->offload_counters().device_peak <= o.device_bytes);
}
