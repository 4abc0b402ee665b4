#include "telemetry/layer_counters.hpp"

#include <algorithm>

namespace hoard::telemetry {

void LayerCounters::add(const ExpertEvent& e) {
    switch (e.action) {
    case ExpertAction::HitHigh:
        ++hit_high;
        break;
    case ExpertAction::HitLow:
        ++hit_low;
        break;
    case ExpertAction::LoadHigh:
        ++load_high;
        break;
    case ExpertAction::LoadLow:
        ++load_low;
        break;
    case ExpertAction::CpuCompute:
        ++cpu;
        if (e.t_start >= 0 && e.t_end >= e.t_start) cpu_seconds += e.t_end - e.t_start;
        break;
    case ExpertAction::Skip:
        ++skip;
        break;
    }
}

void LayerCounters::add(const TransferEvent& e) {
    ++transfers;
    if (e.prefetch) ++prefetch_loads;
    (e.link == Link::HostToDevice ? bytes_host_to_device : bytes_storage_to_host) += e.bytes;
}

void LayerCounters::add(const StallEvent& e) {
    ++stalls;
    if (e.seconds > 0) stall_seconds += e.seconds;
}

void LayerCounters::add(const PrefetchEvent& e) {
    ++(e.used ? prefetch_used : prefetch_unused);
}

LayerCounters& LayerCounters::operator+=(const LayerCounters& o) {
    hit_high += o.hit_high;
    hit_low += o.hit_low;
    load_high += o.load_high;
    load_low += o.load_low;
    cpu += o.cpu;
    skip += o.skip;
    transfers += o.transfers;
    prefetch_loads += o.prefetch_loads;
    bytes_host_to_device += o.bytes_host_to_device;
    bytes_storage_to_host += o.bytes_storage_to_host;
    prefetch_used += o.prefetch_used;
    prefetch_unused += o.prefetch_unused;
    stalls += o.stalls;
    stall_seconds += o.stall_seconds;
    cpu_seconds += o.cpu_seconds;
    return *this;
}

double LayerCounters::hit_rate() const {
    const uint64_t n = selections();
    return n ? double(hits()) / double(n) : 0.0;
}

bool LayerCounters::empty() const {
    return selections() == 0 && transfers == 0 && prefetch_used == 0 && prefetch_unused == 0 &&
           stalls == 0;
}

LayerCounters* LayerTable::at(uint16_t layer) {
    if (layer >= kMaxLayers) return nullptr;
    if (layer >= layers_.size()) layers_.resize(size_t(layer) + 1);
    return &layers_[layer];
}

bool LayerTable::empty() const {
    return std::all_of(layers_.begin(), layers_.end(),
                       [](const LayerCounters& c) { return c.empty(); });
}

LayerTable& LayerTable::operator+=(const LayerTable& other) {
    if (other.layers_.size() > layers_.size()) layers_.resize(other.layers_.size());
    for (size_t i = 0; i < other.layers_.size(); ++i) layers_[i] += other.layers_[i];
    return *this;
}

} // namespace hoard::telemetry
