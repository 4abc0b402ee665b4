#pragma once
// A scripted event stream for the telemetry tests, with the totals it must
// produce counted here, independently of the code under test.
#include "telemetry/event_bus.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::test {

struct ScriptOptions {
    uint32_t prompt_tokens = 8; // one prefill pass first (0: none)
    uint32_t decode_tokens = 40;
    uint16_t layers = 4;
    // Every pass takes this long; a power of two keeps window edges exact.
    double pass_seconds = 0.0625;
    double start_time = 0;
};

struct LayerTally {
    uint64_t hit_high = 0, hit_low = 0, load_high = 0, load_low = 0, cpu = 0, skip = 0;
    uint64_t transfers = 0, prefetch_loads = 0;
    uint64_t bytes_host_to_device = 0, bytes_storage_to_host = 0;
    uint64_t prefetch_used = 0, prefetch_unused = 0, stalls = 0;
    double stall_seconds = 0, cpu_seconds = 0;
    uint64_t selections() const { return hit_high + hit_low + load_high + load_low + cpu + skip; }
};

struct Script {
    std::vector<std::vector<telemetry::Event>> passes; // one flush each
    std::vector<LayerTally> layers;
    std::vector<telemetry::TokenEvent> tokens;
    std::vector<telemetry::TransferEvent> transfers;
    std::vector<telemetry::PrefetchEvent> prefetches;
    size_t layer_spans = 0, cpu_spans = 0, stall_spans = 0;
    uint64_t prompt_tokens = 0, generated_tokens = 0;
    double t_min = 0, t_max = 0; // over passes and transfers

    size_t events() const;
    LayerTally total() const;
};

Script make_script(const ScriptOptions& options = {});

// Publishes passes [first, first + count) and flushes after each.
void play(telemetry::EventBus& bus, const Script& script, size_t first = 0,
          size_t count = SIZE_MAX);

} // namespace hoard::test
