#pragma once
// Predicts what a device memory budget buys for a model: how the budget
// divides (shared weights, KV cache, workspace, high- and low-precision expert
// slots, headroom), the expert cache hit rate and decode speed. The estimate
// below is analytic; the offload layer's trace replay takes its place once
// the engine facade offers it. Runs on a worker lane.
#include "hoard/model_summary.hpp"

#include <QString>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace hoard::gui {

struct BudgetQuery {
    uint64_t deviceBytes = 0;
    size_t contextTokens = 4096;
    bool lowPrecision = true; // plan room for low-precision expert copies
    // The device planned for: its memory bandwidth and its link to the host.
    double deviceBytesPerSecond = 450e9;
    double linkBytesPerSecond = 25e9;
    // System memory read bandwidth (CPU-computed experts); 0: unknown.
    double hostBytesPerSecond = 0;
};

struct BudgetPrediction {
    bool fits = false;
    QString problem; // why not, in words
    uint64_t deviceBytes = 0;
    uint64_t nonExpertBytes = 0, kvCacheBytes = 0, workspaceBytes = 0;
    uint64_t highExpertBytes = 0, lowExpertBytes = 0, headroomBytes = 0;
    size_t highSlots = 0, lowSlots = 0, totalExperts = 0;
    double hitRate = 0;                 // selected experts found resident (either precision)
    double tokensPerSecond = 0;         // decode
    double hostOnlyTokensPerSecond = 0; // everything from system memory on the CPU; 0: unknown
    QString basis;                      // how it was predicted, for the user
};

class BudgetPredictor {
  public:
    virtual ~BudgetPredictor() = default;
    virtual BudgetPrediction predict(const hoard::ModelSummary& model, const BudgetQuery& query,
                                     const std::atomic<bool>& cancel) = 0;
};

// A closed-form estimate: slots from the average expert size, a hit rate that
// assumes experts are chosen evenly (an LRU cache then hits in proportion to
// what it holds), and speed from bytes read per token over the bandwidths.
class EstimateBudgetPredictor : public BudgetPredictor {
  public:
    BudgetPrediction predict(const hoard::ModelSummary& model, const BudgetQuery& query,
                             const std::atomic<bool>& cancel) override;
};

// Activations and scratch for a 512-token prefill chunk plus a row of logits.
uint64_t estimateWorkspaceBytes(const hoard::ModelSummary& model);

} // namespace hoard::gui
