#pragma once
// What happened in one layer over some stretch of time: expert decisions by
// kind (hits and misses by precision), transfers and bytes per link, prefetch
// outcomes and stalls. The recorder's windows and the live feed both sum
// events into these.
#include "telemetry/events.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::telemetry {

struct LayerCounters {
    uint64_t hit_high = 0, hit_low = 0;   // resident on the device
    uint64_t load_high = 0, load_low = 0; // loaded over the link: misses
    uint64_t cpu = 0, skip = 0;           // computed on the CPU, or dropped
    uint64_t transfers = 0, prefetch_loads = 0;
    uint64_t bytes_host_to_device = 0, bytes_storage_to_host = 0;
    uint64_t prefetch_used = 0, prefetch_unused = 0;
    uint64_t stalls = 0;
    double stall_seconds = 0;
    double cpu_seconds = 0; // time CPU experts took, where the engine timed them

    void add(const ExpertEvent& e);
    void add(const TransferEvent& e);
    void add(const StallEvent& e);
    void add(const PrefetchEvent& e);
    LayerCounters& operator+=(const LayerCounters& other);

    uint64_t hits() const { return hit_high + hit_low; }
    // Every selected expert, whatever was done with it.
    uint64_t selections() const { return hit_high + hit_low + load_high + load_low + cpu + skip; }
    // Hits over selections; 0 when nothing was selected.
    double hit_rate() const;
    bool empty() const;
};

// LayerCounters by layer index. Layers past kMaxLayers (no real model has
// them) are refused rather than grown into, so a corrupt event cannot make it
// allocate without bound.
class LayerTable {
  public:
    static constexpr size_t kMaxLayers = 4096;

    // nullptr for a layer past kMaxLayers.
    LayerCounters* at(uint16_t layer);
    const std::vector<LayerCounters>& layers() const { return layers_; }
    void clear() { layers_.clear(); }
    bool empty() const;
    LayerTable& operator+=(const LayerTable& other);

  private:
    std::vector<LayerCounters> layers_;
};

} // namespace hoard::telemetry
