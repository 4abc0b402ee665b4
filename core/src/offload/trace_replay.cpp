#include "offload/trace_replay.hpp"

#include "hoard/error.hpp"
#include "offload/copy_queue.hpp"
#include "offload/expert_cache.hpp"
#include "offload/expert_heat.hpp"
#include "offload/expert_predictor.hpp"
#include "offload/expert_split.hpp"
#include "offload/host_tier.hpp"
#include "telemetry/event_bus.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

namespace hoard::offload {
namespace {

using telemetry::Link;

// Work the device runs for one layer: an expert's copy, usable from `ready`.
struct DeviceJob {
    double ready = 0;
    uint64_t bytes = 0;
};

class Replayer {
  public:
    Replayer(const RoutingTrace& trace, const OffloadShape& shape, const ReplayConfig& config,
             telemetry::EventBus* bus)
        : trace_(trace), shape_(shape), config_(config), bus_(bus),
          requests_(collect_requests(trace, config.precision)),
          policy_(make_policy(config.policy, config.multi_weights,
                              config.policy == PolicyKind::Belady ? requests_
                                                                  : std::vector<ExpertRequest>{})),
          plan_(plan_budget(shape, config.budget)),
          cache_(shape.n_layer, shape.n_expert, plan_, *policy_), host_(shape, config.host_bytes),
          link_(config.cost.host_to_device, config.cost.overlap),
          transfer_of_(size_t(shape.n_layer) * shape.n_expert, -1),
          heat_(shape.n_layer, shape.n_expert) {
        if (config.prefetch.enabled) {
            predictor_ = std::make_unique<TransitionPredictor>(shape.n_layer, shape.n_expert,
                                                               config.prefetch.distance);
            predicted_.resize(shape.n_layer);
            prediction_token_.assign(shape.n_layer, 0);
            has_prediction_.assign(shape.n_layer, 0);
        }
        report_.policy = policy_->name();
        report_.shape = shape;
        report_.config = config;
        report_.plan = plan_;
        report_.layers.resize(shape.n_layer);
    }

    ReplayReport run() {
        for (const TraceSequence& seq : trace_.sequences()) {
            policy_->on_sequence_start();
            if (predictor_) predictor_->on_sequence_start();
            for (uint32_t t = 0; t < seq.n_tokens(); ++t) run_token(seq, t);
        }
        report_.n_sequences = trace_.sequences().size();
        report_.n_tokens = trace_.n_tokens();
        report_.n_decisions = trace_.n_recorded();
        report_.n_missing = trace_.n_missing();
        report_.decode_seconds = now_;
        report_.link_busy_seconds = link_.busy_seconds();
        report_.evictions = cache_.evictions();
        report_.prefetch.loads_evicted_unused = cache_.prefetches_evicted_unused();
        for (size_t p = 0; p < cache_.n_pools(); ++p)
            report_.peak_pool_bytes.push_back(cache_.peak_bytes(p));
        return std::move(report_);
    }

  private:
    void run_token(const TraceSequence& seq, uint32_t t) {
        const double token_start = now_;
        for (uint32_t l = 0; l < shape_.n_layer; ++l) run_layer(seq.at(t, l), t, uint16_t(l));
        ++tokens_;
        if (bus_) {
            bus_->publish(telemetry::TokenEvent{t, 1, false, token_start, now_});
            bus_->flush();
        }
    }

    // Attention and the router for one layer: non-expert weights plus the KV
    // cache of the positions so far, streamed by the device.
    double attention_seconds(uint32_t position) const {
        const double bytes = double(shape_.non_expert_bytes_per_token()) / shape_.n_layer +
                             double(shape_.kv_bytes_per_token) / shape_.n_layer * (position + 1);
        return bytes / config_.cost.device_bytes_per_second;
    }

    // Reads a copy from storage when host memory lacks it; returns when it is
    // in host memory (`earliest` when it already was).
    double from_storage(uint16_t layer, uint16_t expert, Precision p, double earliest,
                        uint32_t token, bool prefetch) {
        const uint64_t bytes = host_.fetch(layer, expert, p);
        if (!bytes) return earliest;
        const double start = std::max(storage_free_, earliest);
        storage_free_ = start + config_.cost.storage_to_host.seconds(bytes);
        report_.bytes_storage_to_host += bytes;
        publish_transfer(token, layer, expert, p, Link::StorageToHost, bytes, prefetch, start,
                         storage_free_);
        return storage_free_;
    }

    void publish_transfer(uint32_t token, uint16_t layer, uint16_t expert, Precision p, Link link,
                          uint64_t bytes, bool prefetch, double start, double end) {
        if (bus_)
            bus_->publish(telemetry::TransferEvent{token, layer, expert, p, link, bytes, prefetch,
                                                   start, end});
    }

    bool splitting() const {
        const uint32_t n_ff = shape_.n_ff_expert;
        return config_.split_experts && n_ff % kSplitRowStep == 0 && n_ff >= 2 * kSplitRowStep;
    }
    // Prefetches and loads behind CPU experts (see ReplayConfig::split_experts).
    bool background() const { return !splitting() || config_.background_loads_with_splits; }

    size_t key(uint16_t layer, uint16_t expert) const {
        return size_t(layer) * shape_.n_expert + expert;
    }

    // Inserts a copy, cancelling the transfers of evicted copies still on the way.
    bool insert(uint16_t layer, uint16_t expert, Precision p, uint16_t current_layer,
                bool prefetched, double now) {
        evicted_.clear();
        if (!cache_.insert({layer, expert, p}, shape_.expert_bytes(layer, p), time_, current_layer,
                           0, prefetched, &evicted_))
            return false;
        for (const ResidentCopy& c : evicted_) {
            int64_t& pending = transfer_of_[key(c.layer, c.expert)];
            if (pending >= 0) link_.cancel(uint64_t(pending), now);
            pending = -1;
        }
        return true;
    }

    // A demand load: makes room (the plan guarantees there is some) and moves
    // the copy ahead of any background transfer; returns when it is usable.
    double load(uint16_t layer, uint16_t expert, Precision p, double earliest, uint32_t token) {
        if (!insert(layer, expert, p, layer, false, earliest))
            throw Error("replay: no room for layer " + std::to_string(layer) + " expert " +
                        std::to_string(expert) + " although the plan guarantees it");
        const uint64_t bytes = shape_.expert_bytes(layer, p);
        double start = 0;
        const double ready =
            link_.demand(bytes, from_storage(layer, expert, p, earliest, token, false), &start);
        publish_transfer(token, layer, expert, p, Link::HostToDevice, bytes, false, start, ready);
        cache_.set_ready_time(layer, expert, ready);
        return ready;
    }

    // A background load (prefetch, or behind a CPU expert) on spare link time.
    // Returns false, loading nothing, when the link's background backlog is
    // full or the cache has no room without evicting pinned copies.
    bool load_behind(uint16_t layer, uint16_t expert, Precision p, uint16_t current_layer,
                     double earliest, uint32_t token, bool prefetch) {
        if (link_.background_backlog(earliest) > config_.background_backlog_seconds) return false;
        if (!insert(layer, expert, p, current_layer, prefetch, earliest)) return false;
        const uint64_t bytes = shape_.expert_bytes(layer, p);
        const double available = from_storage(layer, expert, p, earliest, token, prefetch);
        transfer_of_[key(layer, expert)] = int64_t(link_.background(bytes, available));
        // Its times are known once something waits for it; this is the estimate.
        publish_transfer(token, layer, expert, p, Link::HostToDevice, bytes, prefetch, available,
                         available + config_.cost.host_to_device.seconds(bytes));
        return true;
    }

    void run_layer(const LayerRouting& routing, uint32_t t, uint16_t l) {
        const CostModel& cost = config_.cost;
        const double attention = attention_seconds(t);
        if (!cost.overlap && link_.demand_free() > now_) {
            // Without a separate copy queue, transfers issued earlier block compute.
            report_.stall_seconds += link_.demand_free() - now_;
            report_.layers[l].stall_seconds += link_.demand_free() - now_;
            now_ = link_.demand_free();
        }
        now_ += attention;
        report_.ideal_seconds += attention;
        if (!routing.recorded()) return;
        score_prediction(routing, t, l);

        const double router = now_;
        for (uint16_t e : routing.experts) cache_.pin(l, e);
        jobs_.clear();
        double cpu_end = router;
        LayerReplayStats& layer_stats = report_.layers[l];
        for (size_t rank = 0; rank < routing.experts.size(); ++rank) {
            const ExpertRequest& request = requests_.at(time_);
            const uint16_t e = routing.experts[rank];
            policy_->on_request(request);
            const uint64_t high = shape_.expert_bytes(l, Precision::High);
            const uint64_t low = shape_.expert_bytes(l, Precision::Low);
            report_.ideal_seconds += cost.device_seconds(high);

            const ExpertCache::Entry& entry = cache_.entry(l, e);
            ExpertSituation situation;
            if (entry.resident) situation.resident = entry.precision;
            situation.demand = precision_for_rank(routing.weights, rank, config_.precision);
            situation.bytes_high = high;
            situation.bytes_low = low;
            situation.high_in_host = host_.contains(l, e, Precision::High);
            situation.low_in_host = host_.contains(l, e, Precision::Low);
            const Precision want = situation.demand.precision;
            heat_.on_request(l, e, tokens_);
            // Misses are split as the live engine splits them (expert_split.hpp),
            // except while the cache has room (then a miss is loaded).
            const Precision split_part =
                want == Precision::Low && situation.low_in_host ? Precision::Low : Precision::High;
            const uint64_t split_source = shape_.expert_bytes(l, split_part);
            uint32_t first = shape_.n_ff_expert;
            if (splitting() && situation.high_in_host &&
                !cache_.has_room(want, shape_.expert_bytes(l, want))) {
                // Decided as the replay decides the rest (without the queues),
                // split where the CPU and the link stand now.
                const uint32_t idle = split_row(high, split_source, shape_.n_ff_expert, cost, 0, 0,
                                                kSplitMaxDeviceShare);
                situation.split_seconds =
                    split_seconds(high, split_source, shape_.n_ff_expert, idle, cost, 0, 0);
                first = split_row(
                    high, split_source, shape_.n_ff_expert, cost, std::max(0.0, cpu_free_ - router),
                    std::max(0.0, link_.demand_free() - router), kSplitMaxDeviceShare);
            }
            const ExpertDecision decision = decide_expert(situation, cost, config_.decision);

            switch (decision.action) {
            case ExpertAction::HitHigh:
            case ExpertAction::HitLow:
                if (cache_.use({l, e, entry.precision}, request)) ++report_.prefetch.loads_used;
                if (int64_t& pending = transfer_of_[key(l, e)]; pending >= 0) {
                    // Still on its way in the background: it goes first now.
                    cache_.set_ready_time(l, e, link_.promote(uint64_t(pending), router));
                    pending = -1;
                }
                jobs_.push_back({entry.ready_time, entry.bytes});
                break;
            case ExpertAction::LoadHigh:
            case ExpertAction::LoadLow: {
                const uint64_t bytes = want == Precision::High ? high : low;
                const double ready = load(l, e, want, router, t);
                (want == Precision::High ? report_.bytes_to_device_high
                                         : report_.bytes_to_device_low) += bytes;
                cache_.use({l, e, want}, request);
                jobs_.push_back({ready, bytes});
                break;
            }
            case ExpertAction::CpuCompute: {
                const double available = from_storage(l, e, Precision::High, router, t, false);
                uint64_t cpu_bytes = high;
                if (first < shape_.n_ff_expert) {
                    const double share =
                        double(shape_.n_ff_expert - first) / double(shape_.n_ff_expert);
                    const uint64_t part = uint64_t(share * double(split_source));
                    cpu_bytes = uint64_t((1.0 - share) * double(high));
                    double start = 0;
                    const double ready = link_.demand(part, available, &start);
                    publish_transfer(t, l, e, split_part, Link::HostToDevice, part, false, start,
                                     ready);
                    jobs_.push_back({ready, part});
                    report_.bytes_split += part;
                    ++report_.split_experts;
                }
                const double seconds = cost.cpu_seconds(cpu_bytes);
                cpu_free_ = std::max(cpu_free_, available) + seconds;
                cpu_end = std::max(cpu_end, cpu_free_);
                report_.cpu_busy_seconds += seconds;
                report_.bytes_cpu_read += cpu_bytes;
                // Loaded behind so the cache keeps adapting (a resident low
                // copy that was not good enough is upgraded).
                // Splitting, only hot experts are loaded behind (expert_heat.hpp).
                if (config_.admit_cpu_experts &&
                    (background() || heat_.hotter_than_residents(l, e, tokens_, [&](uint16_t x) {
                        return cache_.resident(l, x);
                    })))
                    behind_.push_back({e, want});
                break;
            }
            case ExpertAction::Skip:
                break;
            }
            ++report_.actions[decision.action];
            ++layer_stats.actions[decision.action];
            if (bus_)
                bus_->publish(
                    telemetry::ExpertEvent{t, l, e, routing.weights[rank], decision.action});
            ++time_;
        }

        for (const auto& [e, want] : behind_)
            if (load_behind(l, e, want, l, router, t, false))
                report_.bytes_admitted += shape_.expert_bytes(l, want);
        behind_.clear();

        // The compute queue runs the device experts as their copies arrive.
        std::sort(jobs_.begin(), jobs_.end(),
                  [](const DeviceJob& a, const DeviceJob& b) { return a.ready < b.ready; });
        double device = router;
        if (!cost.overlap) device = std::max(device, link_.demand_free()); // loads ran here
        double stall = device - router;
        for (const DeviceJob& job : jobs_) {
            const double start = std::max(device, job.ready);
            stall += start - device;
            device = start + cost.device_seconds(job.bytes);
        }
        // Then it waits for the CPU's experts to combine them.
        if (cpu_end > device) {
            stall += cpu_end - device;
            device = cpu_end;
        }
        now_ = device;
        report_.stall_seconds += stall;
        layer_stats.stall_seconds += stall;
        if (bus_ && stall > 0) bus_->publish(telemetry::StallEvent{t, l, stall});
        cache_.unpin_all();

        if (predictor_) prefetch(routing, t, l, router, background());
    }

    // Predicts layer l + d from this layer's routing and loads what is likely
    // (when `load`).
    void prefetch(const LayerRouting& routing, uint32_t t, uint16_t l, double router, bool load) {
        predictor_->observe(l, routing.experts, routing.weights);
        const uint32_t target = l + config_.prefetch.distance;
        if (target >= shape_.n_layer) return;
        predictor_->predict(l, uint16_t(target), predictions_);
        const uint32_t limit =
            config_.prefetch.max_per_layer ? config_.prefetch.max_per_layer : shape_.n_expert_used;
        std::vector<uint16_t>& chosen = predicted_[target];
        chosen.clear();
        for (const ExpertPrediction& p : predictions_) {
            if (chosen.size() >= limit || p.confidence < config_.prefetch.min_confidence) break;
            chosen.push_back(p.expert);
        }
        for (size_t i = 0; i < chosen.size(); ++i) {
            const uint16_t e = chosen[i];
            if (!load || cache_.resident(uint16_t(target), e)) continue;
            // The likeliest as the top-1 would be: high; the rest low when mixing.
            const Precision p =
                i == 0 || !config_.precision.mixed ? Precision::High : Precision::Low;
            if (!load_behind(uint16_t(target), e, p, l, router, t, true)) continue;
            report_.bytes_prefetched += shape_.expert_bytes(target, p);
            ++report_.prefetch.loads;
        }
        prediction_token_[target] = t;
        has_prediction_[target] = 1;
    }

    // Compares what was predicted for this layer with what it selected.
    void score_prediction(const LayerRouting& routing, uint32_t t, uint16_t l) {
        if (!predictor_ || !has_prediction_[l]) return;
        has_prediction_[l] = 0;
        if (prediction_token_[l] != t) return;
        PrefetchStats& s = report_.prefetch;
        s.actual += routing.experts.size();
        for (uint16_t e : predicted_[l]) {
            const bool used = std::find(routing.experts.begin(), routing.experts.end(), e) !=
                              routing.experts.end();
            ++s.predicted;
            s.correct += used ? 1 : 0;
            if (bus_) bus_->publish(telemetry::PrefetchEvent{t, l, e, used});
        }
    }

    const RoutingTrace& trace_;
    const OffloadShape& shape_;
    const ReplayConfig& config_;
    telemetry::EventBus* bus_;
    std::vector<ExpertRequest> requests_;
    std::unique_ptr<CachePolicy> policy_;
    BudgetPlan plan_;
    ExpertCache cache_;
    HostTier host_;
    std::unique_ptr<TransitionPredictor> predictor_;
    std::vector<std::vector<uint16_t>> predicted_; // per target layer
    std::vector<uint32_t> prediction_token_;       // per target layer: the token it was made for
    std::vector<uint8_t> has_prediction_;
    std::vector<ExpertPrediction> predictions_;
    std::vector<DeviceJob> jobs_;
    std::vector<std::pair<uint16_t, Precision>> behind_; // CPU experts to load behind
    std::vector<ResidentCopy> evicted_;
    CopyQueue link_;
    std::vector<int64_t> transfer_of_; // per (layer, expert): background transfer on the way
    ReplayReport report_;

    ExpertHeat heat_;
    uint64_t tokens_ = 0;     // tokens replayed (the heat's clock)
    uint64_t time_ = 0;       // index of the next request
    double now_ = 0;          // compute queue
    double storage_free_ = 0; // storage → host
    double cpu_free_ = 0;
};

void check_fit(const RoutingTrace& trace, const OffloadShape& shape) {
    if (trace.n_layer() != shape.n_layer)
        throw Error("the trace has " + std::to_string(trace.n_layer()) + " layers but the model " +
                    std::to_string(shape.n_layer));
    if (trace.n_expert() > shape.n_expert)
        throw Error("the trace names experts up to " + std::to_string(trace.n_expert() - 1) +
                    " but the model's layers have " + std::to_string(shape.n_expert));
    if (trace.top_k() > shape.n_expert_used)
        throw Error("the trace selects " + std::to_string(trace.top_k()) +
                    " experts per token but the model " + std::to_string(shape.n_expert_used));
    if (shape.expert_bytes_high.size() != shape.n_layer ||
        shape.expert_bytes_low.size() != shape.n_layer)
        throw Error("the model shape lacks per-layer expert sizes");
}

} // namespace

uint64_t ActionCounts::total() const {
    uint64_t t = 0;
    for (uint64_t v : n) t += v;
    return t;
}

std::vector<ExpertRequest> collect_requests(const RoutingTrace& trace, const PrecisionRule& rule) {
    std::vector<ExpertRequest> out;
    for (const TraceSequence& seq : trace.sequences())
        for (uint32_t t = 0; t < seq.n_tokens(); ++t)
            for (uint32_t l = 0; l < seq.n_layer(); ++l) {
                const LayerRouting r = seq.at(t, l);
                for (size_t rank = 0; rank < r.experts.size(); ++rank) {
                    ExpertRequest q;
                    q.time = out.size();
                    q.token = t;
                    q.layer = uint16_t(l);
                    q.expert = r.experts[rank];
                    q.rank = uint8_t(rank);
                    q.gate = r.weights[rank];
                    q.demand = precision_for_rank(r.weights, rank, rule).precision;
                    out.push_back(q);
                }
            }
    return out;
}

ReplayReport replay_trace(const RoutingTrace& trace, const OffloadShape& shape,
                          const ReplayConfig& config, telemetry::EventBus* bus) {
    const auto started = std::chrono::steady_clock::now();
    check_fit(trace, shape);
    config.precision.validate();
    config.cost.validate();
    ReplayConfig effective = config;
    effective.budget.low_precision = config.precision.mixed;
    ReplayReport report = Replayer(trace, shape, effective, bus).run();
    report.replay_wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

} // namespace hoard::offload
