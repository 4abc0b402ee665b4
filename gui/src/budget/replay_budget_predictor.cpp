#include "budget/budget_predictor.hpp"

#include "hoard/error.hpp"
#include "hoard/offload.hpp"

#include <QObject>

#include <algorithm>
#include <cmath>

namespace hoard::gui {

struct ReplayBudgetPredictor::Planner {
    std::filesystem::path model;
    hoard::OffloadPlanner planner;
    QString trace_text;      // what the prediction is replayed from, for the user
    std::string trace_stamp; // which trace file, and when it last changed
};

namespace {

// The first recorded trace that exists, with its size and time: a new
// recording (the chat appends one per reply) makes the planner read it again.
std::string traceStamp(const std::vector<std::filesystem::path>& candidates) {
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(candidate, ec)) continue;
        const auto size = std::filesystem::file_size(candidate, ec);
        const auto time = std::filesystem::last_write_time(candidate, ec);
        return candidate.string() + "|" + std::to_string(size) + "|" +
               std::to_string(time.time_since_epoch().count());
    }
    return {};
}

} // namespace

ReplayBudgetPredictor::ReplayBudgetPredictor(std::filesystem::path traceFolder)
    : trace_folder_(std::move(traceFolder)) {}

ReplayBudgetPredictor::~ReplayBudgetPredictor() = default;

std::vector<std::filesystem::path>
ReplayBudgetPredictor::traceCandidates(const std::filesystem::path& model) const {
    const std::string name = model.filename().string() + ".routing.jsonl";
    std::vector<std::filesystem::path> candidates{model.parent_path() / name};
    if (!trace_folder_.empty()) candidates.push_back(trace_folder_ / name);
    return candidates;
}

BudgetPrediction ReplayBudgetPredictor::predict(const hoard::ModelSummary& model,
                                                const BudgetQuery& query,
                                                const std::atomic<bool>& cancel) {
    // The estimate gives the figures the replay does not (what the CPU alone
    // would do), and everything for files the planner cannot read.
    BudgetPrediction estimate = estimate_.predict(model, query, cancel);
    if (query.modelPath.empty()) return estimate;
    try {
        const auto candidates = traceCandidates(query.modelPath);
        const std::string stamp = traceStamp(candidates);
        if (!planner_ || planner_->model != query.modelPath || planner_->trace_stamp != stamp) {
            planner_.reset();
            auto planner = hoard::OffloadPlanner::for_file(query.modelPath);
            QString trace_text;
            for (const auto& candidate : candidates) {
                std::error_code ec;
                if (!std::filesystem::is_regular_file(candidate, ec)) continue;
                try {
                    planner.set_trace(candidate);
                    trace_text = QObject::tr("%1 recorded tokens of this model's routing")
                                     .arg(planner.trace_tokens());
                    break;
                } catch (const hoard::Error&) {
                    // A trace of another model or a damaged file: keep looking.
                }
            }
            if (trace_text.isEmpty()) {
                planner.use_synthetic_trace();
                trace_text =
                    QObject::tr("%1 tokens of synthetic Zipf-like routing (no recorded "
                                "trace yet: chatting with the model offloaded records one)")
                        .arg(planner.trace_tokens());
            }
            planner_ = std::make_unique<Planner>(
                Planner{query.modelPath, std::move(planner), trace_text, stamp});
        }
    } catch (const hoard::Error&) {
        return estimate; // not a model the planner knows: the estimate stands
    }

    hoard::OffloadPredictionRequest request;
    request.device_bytes = query.deviceBytes;
    request.n_ctx = query.contextTokens;
    request.low_precision = query.lowPrecision;
    request.link_gbps = query.linkBytesPerSecond / 1e9;
    request.device_gbps = query.deviceBytesPerSecond / 1e9;
    if (query.hostBytesPerSecond > 0) request.cpu_gbps = query.hostBytesPerSecond / 1e9;
    request.split_experts = query.splitExperts;

    BudgetPrediction p;
    p.deviceBytes = query.deviceBytes;
    p.hostOnlyTokensPerSecond = estimate.hostOnlyTokensPerSecond;
    p.basis = QObject::tr("Replay of %1 through the offload engine's LRU cache, with CPU "
                          "fallback%4; %2 GB/s device memory, %3 GB/s link.")
                  .arg(planner_->trace_text)
                  .arg(query.deviceBytesPerSecond / 1e9, 0, 'f', 0)
                  .arg(query.linkBytesPerSecond / 1e9, 0, 'f', 0)
                  .arg(query.splitExperts ? QObject::tr(" split with the GPU") : QString());
    try {
        const hoard::OffloadPrediction r = planner_->planner.predict(request);
        const hoard::OffloadPlan& plan = r.plan;
        p.fits = true;
        p.nonExpertBytes = plan.non_expert_bytes;
        p.kvCacheBytes = plan.kv_cache_bytes;
        p.workspaceBytes = plan.workspace_bytes;
        p.highExpertBytes = plan.high_pool_bytes;
        p.lowExpertBytes = plan.low_pool_bytes;
        const uint64_t used = plan.non_expert_bytes + plan.kv_cache_bytes + plan.workspace_bytes +
                              plan.high_pool_bytes + plan.low_pool_bytes;
        p.headroomBytes = plan.device_bytes > used ? plan.device_bytes - used : 0;
        p.totalExperts = size_t(plan.n_layer) * plan.n_expert;
        p.highSlots = std::min(p.totalExperts, size_t(std::floor(plan.high_slots)));
        p.lowSlots = std::min(p.totalExperts, size_t(std::floor(plan.low_slots)));
        p.slotsAreAlternatives = plan.low_pool_bytes == 0; // one shared pool
        if (!query.lowPrecision) p.lowSlots = 0;
        p.hitRate = r.hit_rate;
        p.tokensPerSecond = r.tokens_per_second;
        p.layerHitRates = r.layer_hit_rates;
    } catch (const hoard::Error& e) {
        // Too small a budget: the planner says how much is needed; the bar
        // shows the estimate's parts of what every token needs.
        p = estimate;
        p.fits = false;
        p.problem = QString::fromUtf8(e.what());
        p.basis = estimate.basis;
    }
    return p;
}

} // namespace hoard::gui
