#pragma once
// The live offload engine at the MoE seam. For every layer of a forward pass
// and every expert the router selected it decides, from the expert cache's
// state, the precision rule and the cost model (with measured rates), to use
// a resident high or low copy, load one over the link (demand copy), compute
// it on the CPU from host memory, or skip it; then runs the device experts as
// their copies arrive while CPU experts run on their own threads and
// prefetches and loads behind use the link's spare time, and adds the
// gate-weighted outputs in the plain path's order (so an all-resident,
// high-precision run is bit-identical to the plain engine).
//
// In a prefill pass one decision is made per expert the pass needs (its
// demand is high when any of its tokens needs high precision); in a decode
// step that is one per selected expert, as in the replay. A pass with enough
// tokens to need nearly every expert evicts by the batch rule instead of the
// policy (batch_eviction.hpp). Every action, copy, storage read, stall and
// prefetch outcome is counted and published on the event bus, which is
// flushed once per pass.
#include "model/expert_executor.hpp"
#include "offload/budget_plan.hpp"
#include "offload/cache_policy.hpp"
#include "offload/cost_model.hpp"
#include "offload/cpu_expert_worker.hpp"
#include "offload/device_backend.hpp"
#include "offload/expert_cache.hpp"
#include "offload/expert_decision.hpp"
#include "offload/expert_heat.hpp"
#include "offload/expert_layout.hpp"
#include "offload/expert_split.hpp"
#include "offload/expert_store.hpp"
#include "offload/precision_rule.hpp"
#include "offload/router_prefetcher.hpp"

#include "hoard/offload.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace hoard::telemetry {
class EventBus;
}
namespace hoard::model {
class Model;
}

namespace hoard::offload {

struct ExecutorConfig {
    PolicyKind policy = PolicyKind::Lru; // an online policy
    MultiPolicyWeights multi_weights;
    BudgetPlan plan;
    PrecisionRule precision;
    DecisionOptions decision;
    bool prefetch = true;
    RouterPrefetchOptions prefetch_options;
    bool admit_cpu_experts = true;
    bool split_experts = true;                 // decode, resident-layer devices (expert_split.hpp)
    bool background_loads_with_splits = false; // see OffloadOptions
    double split_max_device_share = kSplitMaxDeviceShare; // of a split expert's rows
    bool prefill_lookahead = true;                        // see OffloadOptions
    bool batch_eviction = true;                           // batch passes evict by the batch rule
    double background_backlog_seconds = 0.010;            // no new background copies beyond this
    CostModel cost;                                       // starting rates
    bool measure_link = true, measure_device = true, measure_cpu = true;
};

// What the executor owns besides its own state.
struct OffloadParts {
    std::shared_ptr<ExpertStore> store; // may be shared by executors that run one after another
    std::unique_ptr<DeviceBackend> device;
    DeviceBuffer resident_reservation; // non-expert weights, KV cache, workspace
    std::unique_ptr<CpuExpertWorker> cpu;
};

// A moving average of a rate (bytes per second).
class RateMeter {
  public:
    explicit RateMeter(double initial, bool measure) : rate_(initial), measure_(measure) {}
    void add(double bytes, double seconds);
    double rate() const { return rate_; }

  private:
    double rate_;
    bool measure_;
    bool first_ = true;
};

class OffloadExecutor final : public model::ExpertExecutor {
  public:
    using Clock = std::chrono::steady_clock;
    // Throws hoard::Error for Belady's policy (it needs the future) or a plan
    // whose expert area the device cannot hold.
    OffloadExecutor(const model::Model& model, OffloadParts parts, const ExecutorConfig& config,
                    telemetry::EventBus* bus, Clock::time_point epoch);
    ~OffloadExecutor() override;

    void begin_pass(size_t first_position, size_t n_tokens) override;
    void run_moe_layer(const model::MoeLayerWork& work) override;
    void end_pass(bool completed) override;

    // As of the last completed pass; safe from any thread.
    OffloadCounters counters() const;
    const BudgetPlan& plan() const { return config_.plan; }
    const ExpertCatalog& catalog() const { return parts_.store->catalog(); }
    // Where a copy is in every tier; from the evaluating thread or between passes.
    ExpertLocation locate(uint32_t layer, uint32_t expert, Precision p) const;
    // Evictions the batch rule chose (also in counters().evictions); between passes.
    uint64_t batch_evictions() const { return cache_->batch_evictions(); }
    // Off: every pass evicts by the policy (for comparisons); between passes.
    void set_batch_eviction(bool on) { config_.batch_eviction = on; }
    DeviceBackend& device() { return *parts_.device; }

  private:
    enum class CopyKind : uint8_t { Demand, Prefetch, Admit, Split };
    struct CopyInfo {
        uint16_t layer, expert;
        Precision precision;
        CopyKind kind;
        uint32_t position;
    };
    struct DeviceJob {
        uint16_t expert;
        uint32_t begin, m;
        Precision precision;
        bool done = false;
    };
    struct CpuJob {
        uint16_t layer;
        uint16_t expert;
        uint32_t begin, m;
        size_t worker_index;
        float gate;
        uint32_t position;
        uint64_t bytes = 0; // weights it reads
        bool split = false; // its outputs add to the device part's
        bool released = false;
    };

    size_t key(size_t layer, size_t expert) const { return layer * n_expert_ + expert; }
    double now() const;
    CostModel current_cost(size_t m) const;

    void decide_layer(const model::MoeLayerWork& w);
    // Scores and makes the router's predictions; loads them when `load`.
    void prefetch_for(const model::MoeLayerWork& w, bool load);
    // Pins a host copy, reading it from storage when needed (counted and
    // published); draining the layer when the host has no room.
    const uint8_t* acquire_host(uint16_t layer, uint16_t expert, Precision p, uint32_t position,
                                bool may_drain, bool prefetch);
    // Device bytes a copy takes.
    uint64_t footprint(uint16_t layer, uint16_t expert, Precision p) const {
        return parts_.device->copy_footprint(
            parts_.store->catalog().layout(layer, expert, p).blob_bytes, p);
    }
    // Makes cache room for a copy and allocates its device buffer; false when
    // it cannot fit (background loads give up then).
    bool place_copy(uint16_t layer, uint16_t expert, Precision p, uint16_t current_layer,
                    bool prefetched);
    void evict_copy(const ResidentCopy& copy);
    // Queues the copy on the link ahead of background work; when the cache
    // has no room, runs this layer's queued device experts first.
    void demand_load(uint16_t layer, uint16_t expert, Precision p, uint32_t position);
    // backlog_cap: link seconds of queued background copies beyond which
    // none is added (0: the configured limit).
    bool background_load(uint16_t layer, uint16_t expert, Precision p, uint16_t current_layer,
                         uint32_t position, CopyKind kind, double backlog_cap = 0);
    void prefill_lookahead(const model::MoeLayerWork& w);
    // Decode: hands rows [first, n_ff) of a CPU expert (`cpu`: its high copy
    // in host memory) to the device, from its copy at precision p (its part
    // goes over the link now); returns `first`, or n_ff when the device
    // cannot take it.
    uint32_t split_off(uint16_t expert, const model::ExpertMatrices& cpu, Precision p,
                       uint32_t first, uint32_t index, uint32_t position, const CostModel& cost);
    // Runs the queued device experts, waiting for their copies, and unpins them.
    void run_device_jobs();
    // Accounts, publishes and unpins the CPU experts (after the worker's wait_all()).
    void finish_cpu_jobs();
    // A resident-layer device: hands over the CPU outputs and skipped pairs.
    void finish_resident_layer(const model::MoeLayerWork& w);
    // Copies the inputs of pairs routed[begin … begin + m) into gathered_.
    void gather(uint32_t begin, uint32_t m);
    void process_copy_records();
    void publish_snapshot();

    const model::Model& model_;
    OffloadParts parts_;
    ExecutorConfig config_;
    telemetry::EventBus* bus_;
    Clock::time_point epoch_;
    uint32_t n_layer_, n_expert_;
    size_t n_embd_, n_ff_;

    std::unique_ptr<CachePolicy> policy_;
    std::unique_ptr<ExpertCache> cache_;
    std::vector<DeviceBuffer> device_copy_; // per (layer, expert)
    std::vector<CopyTicket> pending_copy_;  // per (layer, expert): its copy on the way, or 0
    std::vector<uint64_t> last_use_;        // per (layer, expert): request time of its last use
    std::unordered_map<CopyTicket, CopyInfo> copies_;
    std::unique_ptr<RouterPrefetcher> prefetcher_;
    RateMeter link_rate_, device_rate_, cpu_rate_;

    // Per layer.
    const model::MoeLayerWork* work_ = nullptr; // the layer being run
    ResidentLayerDevice* resident_ = nullptr;   // the device's layer path, if it has one
    double link_queue_ = 0, cpu_queue_ = 0;     // seconds of this layer's work queued on each
    std::vector<DeviceExpertRun> runs_;
    std::vector<std::pair<uint32_t, uint32_t>> cpu_ranges_, added_ranges_, skipped_ranges_;
    std::vector<float> gathered_, outputs_;
    std::vector<DeviceJob> device_jobs_;
    std::vector<CpuJob> cpu_jobs_;
    std::vector<uint8_t> skipped_; // per expert of the layer
    std::vector<std::pair<uint16_t, Precision>> behind_;
    std::vector<ResidentCopy> evicted_;
    std::vector<std::pair<uint16_t, uint16_t>> held_; // pinned during a background insert
    std::vector<CopyRecord> records_;
    std::vector<PrefetchTarget> targets_;
    std::vector<std::pair<uint16_t, bool>> outcomes_;
    double layer_stall_ = 0;
    bool background_ = true; // background loads allowed in this layer (see run_moe_layer)
    ExpertHeat heat_;
    uint64_t heat_clock_ = 0; // tokens evaluated (the heat's clock)

    // Per pass.
    std::mutex pass_mutex_;
    size_t pass_first_ = 0, pass_tokens_ = 0;
    bool batch_pass_ = false; // evicting by the batch rule (see batch_eviction.hpp)
    double pass_start_ = 0;
    double layer_boundary_ = 0; // end of the previous layer's expert step
    uint64_t time_ = 0;         // request counter for the policy

    OffloadCounters counters_;
    mutable std::mutex published_mutex_;
    OffloadCounters published_;
};

} // namespace hoard::offload
