#pragma once
// The live offload tests' class; its cases are split by topic across
// test_offload_live*.cpp.
#include "live_fixtures.hpp"

#include <QObject>
#include <QTemporaryDir>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace offload_live_test {
inline constexpr uint64_t kUnlimited = uint64_t(64) << 30;
} // namespace offload_live_test

class TestOffloadLive : public QObject {
    Q_OBJECT
    std::unique_ptr<hoard::Engine> engine_;
    QTemporaryDir cache_; // low-precision copies of the conformance models, built once

    hoard::OffloadOptions options(uint64_t device_bytes = offload_live_test::kUnlimited) const {
        hoard::OffloadOptions o;
        o.device_bytes = device_bytes;
        o.low_precision = false;
        o.cache_dir = cache_.path().toStdString();
        return o;
    }

    std::shared_ptr<hoard::Model> load(const std::filesystem::path& path,
                                       std::optional<hoard::OffloadOptions> offload) {
        hoard::LoadOptions o;
        o.offload = std::move(offload);
        return engine_->load_model(path, {}, nullptr, o);
    }

    // Decodes `n` greedy tokens after `prompt` in a session.
    static void generate(const std::shared_ptr<hoard::Model>& model,
                         const std::vector<int32_t>& prompt, int n, hoard::Engine& engine) {
        auto session = engine.create_session(model, prompt.size() + size_t(n) + 1);
        hoard::GenerationParams p;
        p.max_tokens = n;
        p.sampling = hoard::SamplingParams::greedy();
        p.stop_at_end_of_generation = false;
        session->generate(prompt, p, {});
    }

  private slots:
    void initTestCase();
    void bitIdenticalWithUnlimitedBudget();
    void concurrentSequencesShareTheDevice();
    void lowPrecisionWithinKlBound();
    void deviceBudgetNeverExceeded();
    void prefillEvictsByTheBatchRule();
    void tooSmallBudgetIsAClearError();
    void sidecarBuiltReusedAndRebuilt();
    void sensitivityKeepsTheMostSensitiveWider();
    void hostBudgetSmallerThanTheModel();
    void cpuFallbackAndLoadsBothHappen();
    void skipDropsNegligibleExperts();
    void eventsMatchCounters();
    void prefetchBeatsChance();
    void routingTraceRecordedAndReplayed();
    void plannerIsFastAndMonotone();
};
