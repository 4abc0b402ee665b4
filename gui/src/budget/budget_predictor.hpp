#pragma once
// Predicts what a device memory budget buys for a model: how the budget
// divides (shared weights, KV cache, workspace, high- and low-precision expert
// slots, headroom), the expert cache hit rate and decode speed. Two kinds:
// ReplayBudgetPredictor replays a routing trace through the engine's offload
// planner; EstimateBudgetPredictor is a closed-form fallback. Run on a worker lane.
#include "hoard/model_summary.hpp"

#include <QString>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace hoard::gui {

struct BudgetQuery {
    std::filesystem::path modelPath; // the model file (the replay reads its tensor table)
    uint64_t deviceBytes = 0;
    size_t contextTokens = 4096;
    bool lowPrecision = true; // plan room for low-precision expert copies
    // The device planned for: its memory bandwidth and its link to the host.
    double deviceBytesPerSecond = 450e9;
    double linkBytesPerSecond = 25e9;
    // System memory read bandwidth (CPU-computed experts); 0: unknown.
    double hostBytesPerSecond = 0;
    // The engine on a CUDA GPU splits CPU experts with it (the replay models that).
    bool splitExperts = false;
};

struct BudgetPrediction {
    bool fits = false;
    QString problem; // why not, in words
    uint64_t deviceBytes = 0;
    uint64_t nonExpertBytes = 0, kvCacheBytes = 0, workspaceBytes = 0;
    uint64_t highExpertBytes = 0, lowExpertBytes = 0, headroomBytes = 0;
    size_t highSlots = 0, lowSlots = 0, totalExperts = 0;
    // True when the expert area holds highSlots high- OR lowSlots low-precision
    // copies (one shared pool, mixed as the run decides); false when both at once.
    bool slotsAreAlternatives = false;
    std::vector<double> layerHitRates;  // predicted, per layer (empty if not predicted)
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

// The engine's offload planner (hoard/offload.hpp): the budget divided as the
// offload engine will divide it, and hit rate and speed from replaying a
// routing trace through its cache policy: the model's recorded trace when one
// exists (`<model>.routing.jsonl` beside it, or `traceFolder/<file name>.routing.jsonl`),
// else a synthetic Zipf-like one. Keeps one planner per model file (on the
// lane that calls it). Falls back to the estimate for files the planner cannot read.
class ReplayBudgetPredictor : public BudgetPredictor {
  public:
    explicit ReplayBudgetPredictor(std::filesystem::path traceFolder = {});
    ~ReplayBudgetPredictor() override;
    BudgetPrediction predict(const hoard::ModelSummary& model, const BudgetQuery& query,
                             const std::atomic<bool>& cancel) override;
    // Where the recorded trace of `model` is looked for (the first that exists wins).
    std::vector<std::filesystem::path> traceCandidates(const std::filesystem::path& model) const;

  private:
    struct Planner;
    std::filesystem::path trace_folder_;
    std::unique_ptr<Planner> planner_;
    EstimateBudgetPredictor estimate_;
};

// Activations and scratch for a 512-token prefill chunk plus a row of logits.
uint64_t estimateWorkspaceBytes(const hoard::ModelSummary& model);

} // namespace hoard::gui
