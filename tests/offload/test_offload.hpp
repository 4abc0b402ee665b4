#pragma once
// The offload layer's test class; its cases are split by topic across
// test_offload*.cpp.
#include "offload/budget_plan.hpp"
#include "offload/offload_shape.hpp"
#include "offload/trace_file.hpp"

#include <QObject>

#include <memory>

#include "common/conformance.hpp"
#include "offload/trace_replay.hpp"
#include "offload_fixtures.hpp"

#include <filesystem>
#include <sstream>
#include <string>

// Shared by the test files.
namespace offload_test {
using namespace hoard::offload;
using hoard::offload::test::error_of;

inline std::filesystem::path real_trace_path() {
    return hoard::test::traces_dir() / "mixtral-8x7b-humaneval.routing.jsonl";
}

// Two good lines, then `bad` as line 3.
inline std::string with_bad_third_line(const std::string& bad) {
    return "{\"problem_id\": 0, \"token_idx\": 0, \"layer\": 0, \"experts\": [1, 0], "
           "\"gating_probs\": [0.7, 0.3]}\n"
           "{\"problem_id\": 0, \"token_idx\": 0, \"layer\": 1, \"experts\": [2, 3], "
           "\"gating_probs\": [0.6, 0.4]}\n" +
           bad + "\n";
}

inline std::string parse_error(const std::string& text) {
    return error_of([&] {
        std::istringstream in(text);
        parse_trace(in, "t.jsonl");
    });
}

inline ReplayConfig exact_config(PolicyKind policy, double fraction) {
    ReplayConfig c;
    c.policy = policy;
    c.budget.resident_fraction = fraction;
    c.precision.mixed = false;
    c.decision.cpu_fallback = false;
    return c;
}

} // namespace offload_test

class TestOffload : public QObject {
    Q_OBJECT
    std::unique_ptr<hoard::offload::TraceFile> real_;
    hoard::offload::OffloadShape mixtral_;

  private slots:
    void initTestCase();
    void readsTheSharedMixtralTrace();
    void ownTraceFormatRoundTrips();
    void malformedTraceLinesNameTheLine_data();
    void malformedTraceLinesNameTheLine();
    void malformedTracesAsAWhole();
    void recorderBuildsATraceFromRoutingDecisions();
    void mixtralPresetIsSizedFromItsShape();
    void shapeFromConformanceGguf();
    void parsesByteSizes();
    void budgetPlanPutsFixedCostsFirst();
    void budgetTooSmallSaysWhatIsNeeded();
    void lruEvictsTheLeastRecentlyUsed();
    void lfuEvictsTheLeastRequestedThenTheOldest();
    void beladyEvictsTheFurthestNextUse();
    void multiPolicyWeighsItsFourParts();
    void separateAndSharedPools();
    void pinnedCopiesAreNeverEvicted();
    void cacheBytesStayWithinPoolsUnderRandomInserts();
    void slotClassesGiveEverySizeTheSameShare();
    void slotClassesMergeTheLeastWastefulSizes();
    void cachePoolsPerSlotClass();
    void splitRowBalancesCpuAndLink();
    void splitPartsAddUpToTheExpert();
    void splitExpertsCompeteWithLoads();
    void expertHeatFindsTheHotExperts();
    void replaySplitsOnTheRealTrace();
    void batchRuleRanksByNextUse();
    void batchRuleLoadsBeladysMinimumOnACyclicWorkload();
    void batchRuleFollowsTheRouting();
    void batchRuleKeepsPinsAndBudgets();
    void decodePassesKeepThePolicy();
    void hobbitPrecisionRule();
    void cpuFallbackFlipsAtTheBreakEven();
    void cpuExpertsAreLoadedBehindAndUpgraded();
    void copyQueueGivesDemandTransfersPriority();
    void replayNeverExceedsTheBudget();
    void beladyIsNeverBeatenOnTheRealTrace();
    void replayReportAddsUp();
    void replayPublishesEveryDecision();
    void hostBudgetReadsFromStorage();
    void prefetchLearnsRegularRouting();
    void replaysAThousandTokensWellUnderASecond();
    void replayRejectsAMismatchedShape();
};
