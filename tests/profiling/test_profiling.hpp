#pragma once
// The profiling facade (hoard/profiling.hpp) on real generation: the CPU
// engine's and the offload engine's sessions recorded through it (per-token
// rows, per-layer windows that match the routing), the live feed during
// generation, every export of a real session read back, recording failures
// (read-only folder, full disk) that leave generation unharmed, and the chat
// history.
#include "hoard/engine.hpp"
#include "hoard/profiling.hpp"

#include <QObject>
#include <QTemporaryDir>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hoard::test {

// The conformance model tiny-mixtral-f16 and its first prompt.
struct Reference {
    std::filesystem::path model;
    std::vector<int32_t> prompt;
    std::vector<int32_t> greedy; // 16 tokens of greedy decoding after it
};
Reference mixtral_reference();

GenerationParams greedy_params(int32_t max_tokens, size_t prefill_chunk = 256);

// tiny-mixtral-f16 through the offload engine, on a simulated device whose
// budget holds about a third of the experts (so tokens both hit and miss),
// high precision only. `used` receives the options.
std::shared_ptr<Model> load_offloaded(Engine& engine, const Reference& ref,
                                      const std::filesystem::path& cache_dir,
                                      OffloadOptions* used = nullptr);

// Generates greedily and returns the tokens (the callback's ids).
std::vector<int32_t> generate_tokens(Session& session, const std::vector<int32_t>& prompt,
                                     const GenerationParams& params);

} // namespace hoard::test

class TestProfiling : public QObject {
    Q_OBJECT

  public:
    std::filesystem::path scratch(const std::string& name) const;

  private slots:
    void initTestCase();

    // recording_tests.cpp
    void cpuSessionRecordsEveryPass();
    void cpuEnginePublishesOncePerPass();
    void concurrentSessionsAreRecordedTogether();
    void routingTraceAndRecordingTogether();
    void offloadedSessionRecordsLoadsAndHits();
    void recordingNeverThrows();

    // live_feed_tests.cpp
    void liveFeedDuringGeneration();
    void liveFeedOnOffloadedModel();

    // export_tests.cpp
    void exportsOfARealSession();

    // failure_tests.cpp
    void readOnlyFolderLeavesGenerationUnharmed();
    void fullDiskLeavesGenerationUnharmed();

    // cost_tests.cpp
    void recordingCostOnRealDecode();

    // store_tests.cpp
    void sessionsListAndDelete();
    void chatHistory();

  private:
    QTemporaryDir tmp_;
    std::unique_ptr<hoard::Engine> engine_;
    std::shared_ptr<hoard::Model> cpu_model_; // tiny-mixtral-f16, not offloaded
    hoard::test::Reference ref_;
};
