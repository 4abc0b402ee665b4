#include "offload/offload_executor.hpp"

#include "hoard/error.hpp"
#include "model/model.hpp"
#include "offload/expert_split.hpp"
#include "telemetry/event_bus.hpp"

#include <algorithm>

namespace hoard::offload {

using telemetry::ExpertAction;

void RateMeter::add(double bytes, double seconds) {
    if (!measure_ || !(seconds > 0) || !(bytes > 0)) return;
    const double r = bytes / seconds;
    // The first measurement replaces the assumed starting value outright.
    rate_ = first_ ? r : 0.8 * rate_ + 0.2 * r;
    first_ = false;
}

OffloadExecutor::OffloadExecutor(const model::Model& model, OffloadParts parts,
                                 const ExecutorConfig& config, telemetry::EventBus* bus,
                                 Clock::time_point epoch)
    : model_(model), parts_(std::move(parts)), config_(config), bus_(bus), epoch_(epoch),
      n_layer_(parts_.store->catalog().n_layer()), n_expert_(parts_.store->catalog().n_expert()),
      n_embd_(model.config().n_embd), n_ff_(model.config().n_ff_expert),
      link_rate_(config.cost.host_to_device.bytes_per_second, config.measure_link),
      device_rate_(config.cost.device_bytes_per_second, config.measure_device),
      cpu_rate_(config.cost.cpu_bytes_per_second, config.measure_cpu), heat_(n_layer_, n_expert_) {
    if (config_.policy == PolicyKind::Belady)
        throw Error("Belady's policy needs the future; it only runs in replay (hoard replay)");
    policy_ = make_policy(config_.policy, config_.multi_weights);
    cache_ = std::make_unique<ExpertCache>(n_layer_, n_expert_, config_.plan, *policy_);
    device_copy_.resize(size_t(n_layer_) * n_expert_);
    pending_copy_.assign(device_copy_.size(), 0);
    last_use_.assign(device_copy_.size(), 0);
    if (config_.prefetch && n_layer_ > 1)
        prefetcher_ =
            std::make_unique<RouterPrefetcher>(model, config_.prefetch_options, config_.precision);
    counters_.layer_hits.assign(n_layer_, 0);
    counters_.layer_requests.assign(n_layer_, 0);
    publish_snapshot();
}

OffloadExecutor::~OffloadExecutor() {
    // Copies in flight read host buffers and write device buffers: stop them first.
    for (CopyTicket t : pending_copy_)
        if (t) parts_.device->cancel(t);
}

double OffloadExecutor::now() const {
    return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

CostModel OffloadExecutor::current_cost(size_t m) const {
    CostModel c = config_.cost;
    c.host_to_device.bytes_per_second = link_rate_.rate();
    // Computing an expert for m tokens takes about m times one token's time.
    c.device_bytes_per_second = device_rate_.rate() / double(std::max<size_t>(m, 1));
    c.cpu_bytes_per_second = cpu_rate_.rate() / double(std::max<size_t>(m, 1));
    return c;
}

void OffloadExecutor::begin_pass(size_t first_position, size_t n_tokens) {
    pass_mutex_.lock();
    pass_first_ = first_position;
    pass_tokens_ = n_tokens;
    heat_clock_ += n_tokens;
    pass_start_ = now();
    layer_boundary_ = pass_start_;
    // Enough tokens that nearly every expert of a layer is needed: the pass
    // sweeps the layers in order, which the batch rule evicts for optimally.
    batch_pass_ =
        config_.batch_eviction && n_tokens * model_.config().n_expert_used >= 4 * size_t(n_expert_);
    cache_->begin_pass(batch_pass_);
    if (first_position == 0) {
        policy_->on_sequence_start();
        if (prefetcher_) prefetcher_->on_sequence_start();
    }
}

void OffloadExecutor::end_pass(bool completed) {
    // The next pass may start whatever happens here.
    struct Unlock {
        std::mutex& mutex;
        ~Unlock() { mutex.unlock(); }
    } unlock{pass_mutex_};
    if (!completed) {
        // A layer failed half way (its own cleanup already ran): drop what is left.
        device_jobs_.clear();
        cache_->unpin_all();
    }
    process_copy_records();
    const double end = now();
    ++counters_.passes;
    if (pass_tokens_ == 1) {
        ++counters_.decode_tokens;
        counters_.decode_seconds += end - pass_start_;
        if (prefetcher_)
            prefetcher_->adapt(parts_.device->background_backlog_seconds(),
                               config_.background_backlog_seconds, counters_.prefetch_loads,
                               cache_->prefetches_evicted_unused());
    } else {
        counters_.prefill_tokens += pass_tokens_;
        counters_.prefill_seconds += end - pass_start_;
    }
    if (bus_) {
        bus_->publish(telemetry::TokenEvent{uint32_t(pass_first_), uint32_t(pass_tokens_),
                                            pass_tokens_ > 1, pass_start_, end});
        bus_->flush();
    }
    publish_snapshot();
}

void OffloadExecutor::run_moe_layer(const model::MoeLayerWork& w) {
    const size_t k = w.n_expert_used;
    const size_t pairs = w.n_tokens * k;
    if (gathered_.size() < pairs * n_embd_) {
        gathered_.resize(pairs * n_embd_);
        outputs_.resize(pairs * n_embd_);
    }
    work_ = &w;
    resident_ = parts_.device->resident_layers();
    link_queue_ = cpu_queue_ = 0;
    layer_stall_ = 0;
    const double layer_start = now();
    skipped_.assign(n_expert_, 0);

    // This layer's selection stays on the device while prefetches for later
    // layers make room.
    for (size_t e = 0; e < n_expert_; ++e)
        if (w.expert_end[e] > (e == 0 ? 0 : w.expert_end[e - 1]))
            cache_->pin(uint16_t(w.layer), uint16_t(e));
    // Splitting experts, decode keeps the link for their parts (hot experts
    // aside: see decide_layer).
    background_ = w.n_tokens > 1 || !resident_ || !config_.split_experts ||
                  config_.background_loads_with_splits;
    try {
        if (prefetcher_ && w.n_tokens == 1) prefetch_for(w, background_);
        decide_layer(w);
        // In a batch pass such a copy is next needed in the next pass, after
        // every copy the batch rule could make room from: not worth the link.
        if (!batch_pass_)
            for (const auto& [e, p] : behind_)
                background_load(uint16_t(w.layer), e, p, uint16_t(w.layer),
                                uint32_t(w.first_position), CopyKind::Admit);
        behind_.clear();
        if (config_.prefill_lookahead && batch_pass_ && w.layer + 1 < n_layer_)
            prefill_lookahead(w);
        run_device_jobs();
        const double wait_start = now();
        parts_.cpu->wait_all();
        if (!cpu_jobs_.empty()) layer_stall_ += now() - wait_start;
        finish_cpu_jobs();
        if (resident_) finish_resident_layer(w);
    } catch (...) {
        try {
            parts_.cpu->wait_all();
        } catch (...) {
        }
        finish_cpu_jobs();
        cpu_jobs_.clear();
        parts_.cpu->clear();
        device_jobs_.clear();
        behind_.clear();
        cache_->unpin_all();
        work_ = nullptr;
        throw;
    }
    device_jobs_.clear();
    cpu_jobs_.clear();
    parts_.cpu->clear();

    // The mixture, in the order the plain path adds it.
    for (size_t e = 0; e < n_expert_ && !resident_; ++e) {
        const size_t begin = e == 0 ? 0 : w.expert_end[e - 1];
        if (skipped_[e]) continue;
        for (size_t i = begin; i < w.expert_end[e]; ++i) {
            const size_t pair = w.routed[i];
            const float gate = w.gate_weights[pair];
            float* x = w.x + pair / k * n_embd_;
            const float* y = outputs_.data() + i * n_embd_;
            for (size_t d = 0; d < n_embd_; ++d) x[d] += gate * y[d];
        }
    }
    cache_->unpin_all();
    work_ = nullptr;
    process_copy_records();
    counters_.stall_seconds += layer_stall_;
    const double end = now();
    if (bus_) {
        if (layer_stall_ > 0)
            bus_->publish(telemetry::StallEvent{uint32_t(w.first_position), uint16_t(w.layer),
                                                layer_stall_, layer_start});
        // From the previous layer's experts to this one's: attention, routing, experts.
        bus_->publish(telemetry::LayerEvent{uint32_t(w.first_position), uint16_t(w.layer),
                                            layer_boundary_, end});
    }
    layer_boundary_ = end;
}

void OffloadExecutor::finish_resident_layer(const model::MoeLayerWork& w) {
    // The device adds the mixture to its own residual stream.
    cpu_ranges_.clear();
    added_ranges_.clear();
    skipped_ranges_.clear();
    for (const CpuJob& j : cpu_jobs_)
        (j.split ? added_ranges_ : cpu_ranges_).push_back({j.begin, j.m});
    for (size_t e = 0; e < n_expert_; ++e)
        if (skipped_[e]) {
            const uint32_t begin = e == 0 ? 0 : w.expert_end[e - 1];
            skipped_ranges_.push_back({begin, w.expert_end[e] - begin});
        }
    resident_->finish_layer(w, outputs_.data(), cpu_ranges_, added_ranges_, skipped_ranges_);
}

void OffloadExecutor::gather(uint32_t begin, uint32_t m) {
    const model::MoeLayerWork& w = *work_;
    for (uint32_t i = begin; i < begin + m; ++i)
        std::copy_n(w.xn + size_t(w.routed[i] / w.n_expert_used) * n_embd_, n_embd_,
                    gathered_.data() + size_t(i) * n_embd_);
}

void OffloadExecutor::prefetch_for(const model::MoeLayerWork& w, bool load) {
    const uint32_t position = uint32_t(w.first_position);
    outcomes_.clear();
    const PrefetchStats before = prefetcher_->stats();
    prefetcher_->score(w.layer, position, w.selected.first(w.n_expert_used), outcomes_);
    const PrefetchStats& after = prefetcher_->stats();
    counters_.prefetch_predicted += after.predicted - before.predicted;
    counters_.prefetch_correct += after.correct - before.correct;
    counters_.prefetch_actual += after.actual - before.actual;
    if (bus_)
        for (const auto& [e, used] : outcomes_)
            bus_->publish(telemetry::PrefetchEvent{position, uint16_t(w.layer), e, used});

    targets_.clear();
    prefetcher_->predict(w.layer, position, w.x, *w.pool, targets_);
    if (!prefetcher_->loads_enabled() || !load) return;
    for (const PrefetchTarget& t : targets_) {
        const ExpertCache::Entry& entry = cache_->entry(t.layer, t.expert);
        if (entry.resident && (entry.precision == Precision::High || t.precision == Precision::Low))
            continue;
        if (t.precision == Precision::Low && !parts_.store->catalog().has_low()) continue;
        if (background_load(t.layer, t.expert, t.precision, uint16_t(w.layer), position,
                            CopyKind::Prefetch))
            ++counters_.prefetch_loads;
    }
}

void OffloadExecutor::decide_layer(const model::MoeLayerWork& w) {
    const size_t k = w.n_expert_used;
    const uint16_t l = uint16_t(w.layer);
    const ExpertCatalog& catalog = parts_.store->catalog();
    for (size_t e = 0; e < n_expert_; ++e) {
        const uint32_t begin = e == 0 ? 0 : w.expert_end[e - 1];
        const uint32_t m = w.expert_end[e] - begin;
        if (m == 0) continue;
        PrecisionDemand demand{Precision::Low, true};
        float gate = 0;
        size_t first_token = SIZE_MAX, rank = k;
        for (uint32_t i = begin; i < begin + m; ++i) {
            const size_t pair = w.routed[i], t = pair / k, slot = pair % k;
            const PrecisionDemand d =
                precision_for_rank(w.gate_weights.subspan(t * k, k), slot, config_.precision);
            if (d.precision == Precision::High) demand.precision = Precision::High;
            demand.negligible = demand.negligible && d.negligible;
            gate = std::max(gate, w.gate_weights[pair]);
            first_token = std::min(first_token, t);
            rank = std::min(rank, slot);
        }
        if (demand.precision == Precision::High) demand.negligible = false;
        const uint32_t position = uint32_t(w.first_position + first_token);
        ExpertRequest request;
        request.time = time_++;
        request.token = position;
        request.layer = l;
        request.expert = uint16_t(e);
        request.rank = uint8_t(rank);
        request.gate = gate;
        request.demand = demand.precision;
        policy_->on_request(request);
        heat_.on_request(l, uint16_t(e), heat_clock_);
        cache_->pin(l, uint16_t(e));

        const ExpertCache::Entry& entry = cache_->entry(l, uint16_t(e));
        ExpertSituation s;
        if (entry.resident) s.resident = entry.precision;
        s.demand = demand;
        s.bytes_high = catalog.layout(l, uint32_t(e), Precision::High).payload_bytes();
        s.bytes_low = catalog.has_low()
                          ? catalog.layout(l, uint32_t(e), Precision::Low).payload_bytes()
                          : s.bytes_high;
        s.high_in_host = parts_.store->host().contains(l, uint32_t(e), Precision::High);
        s.low_in_host =
            catalog.has_low() && parts_.store->host().contains(l, uint32_t(e), Precision::Low);
        s.link_queue_seconds = link_queue_;
        s.cpu_queue_seconds = cpu_queue_;
        const CostModel cost = current_cost(m);
        // Decode misses may be split with the device, except while the cache
        // has room (then a miss is loaded: nothing is evicted). The device's
        // part of a low-demand expert comes from its low copy when the host
        // holds one (the precision rule allows it).
        uint32_t split_first = uint32_t(n_ff_);
        const Precision split_part =
            demand.precision == Precision::Low && s.low_in_host ? Precision::Low : Precision::High;
        if (w.n_tokens == 1 && resident_ && config_.split_experts && s.high_in_host &&
            n_ff_ % kSplitRowStep == 0 && n_ff_ >= 2 * kSplitRowStep &&
            !cache_->has_room(demand.precision, footprint(l, uint16_t(e), demand.precision))) {
            const uint64_t device_bytes = split_part == Precision::Low ? s.bytes_low : s.bytes_high;
            split_first = split_row(s.bytes_high, device_bytes, uint32_t(n_ff_), cost, cpu_queue_,
                                    link_queue_, config_.split_max_device_share);
            s.split_seconds = split_seconds(s.bytes_high, device_bytes, uint32_t(n_ff_),
                                            split_first, cost, cpu_queue_, link_queue_);
        }
        const ExpertDecision decision = decide_expert(s, cost, config_.decision);

        switch (decision.action) {
        case ExpertAction::HitHigh:
        case ExpertAction::HitLow:
            last_use_[key(l, e)] = request.time + 1;
            if (cache_->use({l, uint16_t(e), entry.precision}, request))
                ++counters_.prefetch_loads_used;
            device_jobs_.push_back({uint16_t(e), begin, m, entry.precision});
            break;
        case ExpertAction::LoadHigh:
        case ExpertAction::LoadLow:
            link_queue_ = decision.load_seconds -
                          cost.device_seconds(demand.precision == Precision::Low ? s.bytes_low
                                                                                 : s.bytes_high);
            demand_load(l, uint16_t(e), demand.precision, position);
            last_use_[key(l, e)] = request.time + 1;
            cache_->use({l, uint16_t(e), demand.precision}, request);
            device_jobs_.push_back({uint16_t(e), begin, m, demand.precision});
            break;
        case ExpertAction::CpuCompute: {
            const uint8_t* host =
                acquire_host(l, uint16_t(e), Precision::High, position, true, false);
            const ExpertLayout& layout = catalog.layout(l, uint32_t(e), Precision::High);
            CpuExpertWorker::Job job;
            job.weights = layout.views(host);
            uint64_t bytes = layout.payload_bytes();
            const uint32_t first = split_first < n_ff_
                                       ? split_off(uint16_t(e), job.weights, split_part,
                                                   split_first, begin, position, cost)
                                       : uint32_t(n_ff_);
            if (first < n_ff_) {
                job.weights = cpu_part(job.weights, first);
                bytes = weight_bytes(job.weights);
                cpu_queue_ += cost.cpu_seconds(bytes);
            } else {
                cpu_queue_ = decision.cpu_seconds;
            }
            gather(begin, m);
            job.inputs = gathered_.data() + size_t(begin) * n_embd_;
            job.m = m;
            job.n_embd = n_embd_;
            job.n_ff = first;
            job.outputs = outputs_.data() + size_t(begin) * n_embd_;
            cpu_jobs_.push_back({l, uint16_t(e), begin, m, parts_.cpu->submit(job), gate, position,
                                 bytes, first < n_ff_});
            counters_.bytes_cpu_read += bytes;
            if (config_.admit_cpu_experts &&
                (background_ ||
                 heat_.hotter_than_residents(l, uint16_t(e), heat_clock_,
                                             [&](uint16_t x) { return cache_->resident(l, x); })))
                behind_.push_back({uint16_t(e), demand.precision});
            cache_->unpin(l, uint16_t(e)); // its device copy, if any, is not used
            break;
        }
        case ExpertAction::Skip:
            skipped_[e] = 1;
            cache_->unpin(l, uint16_t(e));
            break;
        }
        ++counters_.actions[size_t(decision.action)];
        ++counters_.layer_requests[l];
        if (decision.action == ExpertAction::HitHigh || decision.action == ExpertAction::HitLow)
            ++counters_.layer_hits[l];
        if (bus_ && decision.action != ExpertAction::CpuCompute)
            bus_->publish(telemetry::ExpertEvent{position, l, uint16_t(e), gate, decision.action});
    }
}

void OffloadExecutor::run_device_jobs() {
    const model::MoeLayerWork& w = *work_;
    const uint16_t l = uint16_t(w.layer);
    if (resident_) {
        // The device queues them behind their copies; their copies may be
        // evicted once queued (the device reuses the memory after they ran).
        runs_.clear();
        for (DeviceJob& job : device_jobs_) {
            if (job.done) continue;
            const size_t k = key(l, job.expert);
            const ExpertLayout& layout =
                parts_.store->catalog().layout(l, job.expert, job.precision);
            runs_.push_back({device_copy_[k].id, layout.views(device_copy_[k].data),
                             pending_copy_[k], job.begin, job.m});
        }
        if (!runs_.empty()) resident_->run_experts(w, runs_);
        for (DeviceJob& job : device_jobs_)
            if (!job.done) {
                job.done = true;
                cache_->unpin(l, job.expert);
            }
        return;
    }
    // Resident copies first, then loads in the order they were queued.
    std::stable_sort(
        device_jobs_.begin(), device_jobs_.end(), [&](const DeviceJob& a, const DeviceJob& b) {
            return pending_copy_[key(l, a.expert)] == 0 && pending_copy_[key(l, b.expert)] != 0;
        });
    for (DeviceJob& job : device_jobs_) {
        if (job.done) continue;
        const size_t k = key(l, job.expert);
        if (CopyTicket t = pending_copy_[k]) layer_stall_ += parts_.device->wait(t);
        const ExpertLayout& layout = parts_.store->catalog().layout(l, job.expert, job.precision);
        gather(job.begin, job.m);
        const double start = now();
        parts_.device->compute_expert(
            layout.views(device_copy_[k].data), gathered_.data() + size_t(job.begin) * n_embd_,
            job.m, n_embd_, n_ff_, outputs_.data() + size_t(job.begin) * n_embd_, *w.pool);
        const double seconds = now() - start;
        counters_.device_expert_seconds += seconds;
        if (job.m == 1) device_rate_.add(double(layout.payload_bytes()), seconds);
        job.done = true;
        cache_->unpin(l, job.expert);
    }
}

void OffloadExecutor::finish_cpu_jobs() {
    for (CpuJob& j : cpu_jobs_) {
        if (j.released) continue;
        j.released = true;
        parts_.store->host().release(j.layer, j.expert, Precision::High);
        const CpuExpertWorker::Job& done = parts_.cpu->job(j.worker_index);
        const double seconds = done.t_end - done.t_start;
        counters_.cpu_expert_seconds += seconds;
        if (j.m == 1) cpu_rate_.add(double(j.bytes), seconds);
        if (bus_) {
            telemetry::ExpertEvent ev{j.position, j.layer, j.expert, j.gate,
                                      ExpertAction::CpuCompute};
            ev.t_start = done.t_start;
            ev.t_end = done.t_end;
            bus_->publish(ev);
        }
    }
}

void OffloadExecutor::publish_snapshot() {
    OffloadCounters c = counters_;
    c.evictions = cache_->evictions();
    c.prefetch_loads_evicted_unused = cache_->prefetches_evicted_unused();
    c.prefetch_distance = prefetcher_ ? prefetcher_->distance() : 0;
    c.device_capacity = parts_.device->capacity();
    c.device_peak = parts_.device->peak_bytes();
    c.device_used = parts_.device->used_bytes();
    c.host_capacity = parts_.store->host().capacity();
    c.host_peak = parts_.store->host().peak_bytes();
    c.host_used = parts_.store->host().used_bytes();
    c.link_gbps = link_rate_.rate() / 1e9;
    c.device_gbps = device_rate_.rate() / 1e9;
    c.cpu_gbps = cpu_rate_.rate() / 1e9;
    std::lock_guard lock(published_mutex_);
    published_ = std::move(c);
}

ExpertLocation OffloadExecutor::locate(uint32_t layer, uint32_t expert, Precision p) const {
    ExpertLocation where = parts_.store->locate(layer, expert, p);
    const ExpertCache::Entry& entry = cache_->entry(uint16_t(layer), uint16_t(expert));
    where.on_device = entry.resident && entry.precision == p;
    where.device_ready = where.on_device && pending_copy_[key(layer, expert)] == 0;
    return where;
}

OffloadCounters OffloadExecutor::counters() const {
    std::lock_guard lock(published_mutex_);
    return published_;
}

} // namespace hoard::offload
