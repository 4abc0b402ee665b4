#pragma once
// The rows the recorder has prepared and not yet committed, one vector per
// table.
#include "telemetry/events.hpp"
#include "telemetry/layer_counters.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::telemetry {

enum class SpanKind : uint8_t { Layer, CpuExpert, Stall };
const char* span_kind_name(SpanKind kind);

struct SpanRow {
    SpanKind kind = SpanKind::Layer;
    uint32_t token_index = 0;
    uint16_t layer = 0;
    int32_t expert = -1; // -1: not about one expert (stored as NULL)
    double t_start = 0, t_end = 0;
};

// One layer's counters over one window of forward passes.
struct WindowRow {
    uint64_t window_index = 0;
    uint16_t layer = 0;
    double t_start = 0, t_end = 0;
    uint32_t token_first = 0, token_last = 0;
    uint32_t passes = 0;
    LayerCounters counters;
};

struct RecordBatch {
    std::vector<TokenEvent> tokens;
    std::vector<TransferEvent> transfers;
    std::vector<PrefetchEvent> prefetches;
    std::vector<SpanRow> spans;
    std::vector<WindowRow> windows;

    size_t rows() const {
        return tokens.size() + transfers.size() + prefetches.size() + spans.size() + windows.size();
    }
    bool empty() const { return rows() == 0; }
    void clear() {
        tokens.clear();
        transfers.clear();
        prefetches.clear();
        spans.clear();
        windows.clear();
    }
};

} // namespace hoard::telemetry
