// OffloadExecutor: getting copies onto the device. Host copies (read from
// storage when needed), cache room, demand loads ahead of background ones
// (prefetches, the prefill lookahead, copies behind CPU experts), and the
// accounting of the copies the device has finished or cancelled.
#include "offload/offload_executor.hpp"

#include "hoard/error.hpp"
#include "model/model.hpp"
#include "offload/byte_size.hpp"
#include "offload/expert_split.hpp"
#include "telemetry/event_bus.hpp"

#include <algorithm>

namespace hoard::offload {

using telemetry::Link;

void OffloadExecutor::prefill_lookahead(const model::MoeLayerWork& w) {
    // Batch passes need about every expert of the coming layers: those not on
    // the device are loaded behind this layer's demand loads, so the link
    // keeps working while layers compute. Up to a layer's worth of bytes stays
    // queued, reaching as far ahead as that takes (where most experts are
    // resident, the misses can be many layers away).
    // These loads evict only copies the pass has finished with: taking one it
    // still needs would cost another load later.
    const ExpertCatalog& catalog = parts_.store->catalog();
    double layer_bytes = 0;
    for (uint32_t e = 0; e < n_expert_; ++e)
        layer_bytes += double(catalog.layout(uint16_t(w.layer + 1), e, Precision::High).blob_bytes);
    const double cap =
        std::max(config_.background_backlog_seconds, 1.1 * layer_bytes / link_rate_.rate());
    for (size_t next = w.layer + 1; next < n_layer_; ++next)
        for (uint32_t e = 0; e < n_expert_; ++e) {
            if (parts_.device->background_backlog_seconds() > cap) return;
            const ResidentCopy copy{uint16_t(next), uint16_t(e), Precision::High};
            if (cache_->resident(copy.layer, copy.expert)) continue;
            if (!cache_->fits_evicting_finished_copies(
                    copy, footprint(copy.layer, copy.expert, copy.precision), uint16_t(w.layer)))
                return;
            if (background_load(copy.layer, copy.expert, Precision::High, uint16_t(w.layer),
                                uint32_t(w.first_position), CopyKind::Prefetch, cap))
                ++counters_.prefetch_loads;
        }
}

const uint8_t* OffloadExecutor::acquire_host(uint16_t layer, uint16_t expert, Precision p,
                                             uint32_t position, bool may_drain, bool prefetch) {
    auto clock = [this] { return now(); };
    HostExpertTier::Acquired a = parts_.store->host().acquire(layer, expert, p, now(), clock);
    if (!a.data && may_drain) {
        // Copies in flight and CPU experts hold host copies: let them finish.
        for (CopyTicket t : pending_copy_)
            if (t) parts_.device->wait(t);
        parts_.cpu->wait_all();
        finish_cpu_jobs();
        process_copy_records();
        a = parts_.store->host().acquire(layer, expert, p, now(), clock);
        if (!a.data)
            throw Error("the host memory budget (" +
                        format_byte_size(parts_.store->host().capacity()) +
                        ") cannot hold the experts one layer needs at once; raise it");
    }
    if (!a.data) return nullptr;
    if (a.bytes_read) {
        counters_.bytes_storage_to_host += a.bytes_read;
        ++counters_.storage_reads;
        if (bus_)
            bus_->publish(telemetry::TransferEvent{position, layer, expert, p, Link::StorageToHost,
                                                   a.bytes_read, prefetch, a.t_start, a.t_end});
    }
    return a.data;
}

void OffloadExecutor::evict_copy(const ResidentCopy& copy) {
    const size_t k = key(copy.layer, copy.expert);
    if (CopyTicket t = pending_copy_[k]) {
        parts_.device->cancel(t); // its record (and host pin) is handled with the others
        pending_copy_[k] = 0;
    }
    parts_.device->release(device_copy_[k]);
}

bool OffloadExecutor::place_copy(uint16_t layer, uint16_t expert, Precision p,
                                 uint16_t current_layer, bool prefetched) {
    const uint64_t bytes = footprint(layer, expert, p);
    evicted_.clear();
    if (!cache_->insert({layer, expert, p}, bytes, time_, current_layer, 0, prefetched, &evicted_))
        return false;
    for (const ResidentCopy& c : evicted_) evict_copy(c);
    // The cache's pools never exceed the expert area, so this fits the budget.
    device_copy_[key(layer, expert)] = parts_.device->allocate_copy(bytes, p);
    return true;
}

void OffloadExecutor::demand_load(uint16_t layer, uint16_t expert, Precision p, uint32_t position) {
    const uint8_t* host = acquire_host(layer, expert, p, position, true, false);
    // A batch pass makes room from the experts of this layer it has computed
    // before it evicts copies needed sooner (the fewest loads, as Belady's
    // policy would: see batch_eviction.hpp), so the queued experts run first
    // when their copies are needed for room.
    if (batch_pass_ &&
        !cache_->fits_before_sooner_copies({layer, expert, p}, footprint(layer, expert, p), layer))
        run_device_jobs();
    if (!place_copy(layer, expert, p, layer, false)) {
        // The pool's other copies are pinned by this layer's queued experts
        // (a prefill pass may need more experts than the pool holds): run
        // those now, which unpins them, and try again.
        run_device_jobs();
        if (!place_copy(layer, expert, p, layer, false)) {
            parts_.store->host().release(layer, expert, p);
            throw Error("internal error: no device room for a demand load although the plan "
                        "guarantees one layer's experts");
        }
    }
    const size_t k = key(layer, expert);
    const uint64_t bytes = parts_.store->catalog().layout(layer, expert, p).blob_bytes;
    const CopyTicket t =
        parts_.device->copy_to_device(device_copy_[k], host, bytes, CopyPriority::Demand);
    pending_copy_[k] = t;
    copies_[t] = {layer, expert, p, CopyKind::Demand, position};
}

bool OffloadExecutor::background_load(uint16_t layer, uint16_t expert, Precision p,
                                      uint16_t current_layer, uint32_t position, CopyKind kind,
                                      double backlog_cap) {
    const ExpertCache::Entry& entry = cache_->entry(layer, expert);
    if (entry.resident && (entry.precision == Precision::High || p == Precision::Low)) return false;
    if (parts_.device->background_backlog_seconds() >
        (backlog_cap > 0 ? backlog_cap : config_.background_backlog_seconds))
        return false;
    const uint8_t* host =
        acquire_host(layer, expert, p, position, false, kind == CopyKind::Prefetch);
    if (!host) return false;
    // A background copy never evicts one still on its way (that would only
    // churn the link) nor one used during the last token's worth of requests
    // (a guess should not push out what is in use); those are pinned while
    // it makes room, and when nothing else can go it is not loaded.
    held_.clear();
    auto hold = [&](uint16_t l, uint16_t e) {
        if (cache_->pinned(l, e)) return;
        cache_->pin(l, e);
        held_.push_back({l, e});
    };
    for (const auto& [ticket, info] : copies_) hold(info.layer, info.expert);
    // In a batch pass the batch rule knows what is needed next; holding the
    // recently used copies would make it evict ones the pass still needs.
    const uint64_t window = uint64_t(n_layer_) * model_.config().n_expert_used;
    for (uint32_t l = 0; l < n_layer_ && !batch_pass_; ++l)
        for (uint32_t e = 0; e < n_expert_; ++e)
            if (cache_->resident(uint16_t(l), uint16_t(e)) && last_use_[key(l, e)] + window > time_)
                hold(uint16_t(l), uint16_t(e));
    const bool placed = place_copy(layer, expert, p, current_layer, kind == CopyKind::Prefetch);
    for (const auto& [l, e] : held_) cache_->unpin(l, e);
    if (!placed) {
        parts_.store->host().release(layer, expert, p);
        return false;
    }
    const size_t k = key(layer, expert);
    const uint64_t bytes = parts_.store->catalog().layout(layer, expert, p).blob_bytes;
    const CopyTicket t =
        parts_.device->copy_to_device(device_copy_[k], host, bytes, CopyPriority::Background);
    pending_copy_[k] = t;
    copies_[t] = {layer, expert, p, kind, position};
    return true;
}

uint32_t OffloadExecutor::split_off(uint16_t expert, const model::ExpertMatrices& cpu, Precision p,
                                    uint32_t first, uint32_t index, uint32_t position,
                                    const CostModel& cost) {
    const model::MoeLayerWork& w = *work_;
    const uint16_t l = uint16_t(w.layer);
    const uint32_t none = uint32_t(n_ff_);
    if (!splittable(cpu)) return none;
    const ExpertLayout& layout = parts_.store->catalog().layout(l, expert, p);
    // The copy holds its own pin on the host copy (released with its record).
    const uint8_t* host = p == Precision::High || parts_.store->host().contains(l, expert, p)
                              ? acquire_host(l, expert, p, position, false, false)
                              : nullptr;
    if (!host) return none;
    const model::ExpertMatrices source = layout.views(host);
    const CopyTicket t = splittable(source) && source.gate.n_rows == n_ff_
                             ? resident_->split_expert(w, source, first, index)
                             : 0;
    if (!t) {
        parts_.store->host().release(l, expert, p);
        return none;
    }
    const uint64_t bytes = device_part(source, first).payload_bytes();
    link_queue_ += cost.host_to_device.seconds(bytes) + cost.device_seconds(bytes);
    copies_[t] = {l, expert, p, CopyKind::Split, position};
    ++counters_.split_experts;
    return first;
}

void OffloadExecutor::process_copy_records() {
    records_.clear();
    parts_.device->take_records(records_);
    for (const CopyRecord& r : records_) {
        const auto it = copies_.find(r.ticket);
        if (it == copies_.end()) continue;
        const CopyInfo info = it->second;
        copies_.erase(it);
        parts_.store->host().release(info.layer, info.expert, info.precision);
        const size_t k = key(info.layer, info.expert);
        if (pending_copy_[k] == r.ticket) pending_copy_[k] = 0;
        if (r.cancelled) {
            ++counters_.transfers_cancelled;
            continue;
        }
        ++counters_.transfers;
        switch (info.kind) {
        case CopyKind::Demand:
            (info.precision == Precision::High ? counters_.bytes_to_device_high
                                               : counters_.bytes_to_device_low) += r.bytes;
            link_rate_.add(double(r.bytes), r.t_end - r.t_start);
            break;
        case CopyKind::Prefetch:
            counters_.bytes_prefetched += r.bytes;
            break;
        case CopyKind::Admit:
            counters_.bytes_admitted += r.bytes;
            break;
        case CopyKind::Split:
            counters_.bytes_split += r.bytes;
            link_rate_.add(double(r.bytes), r.t_end - r.t_start);
            break;
        }
        if (bus_)
            bus_->publish(telemetry::TransferEvent{
                info.position, info.layer, info.expert, info.precision, Link::HostToDevice, r.bytes,
                info.kind == CopyKind::Prefetch, r.t_start, r.t_end});
    }
}

} // namespace hoard::offload
