#pragma once
// Turns two readings of an offloaded model's counters into what the dashboard
// shows for the time between them: per-layer and overall expert cache hit
// rates, the precision mix, link traffic and CPU-computed experts.
#include "telemetry/telemetry_snapshot.hpp"

#include "hoard/offload.hpp"

namespace hoard::gui {

// Fills the expert fields of `snapshot` from `after - before` over `seconds`
// of wall time. Leaves hasExpertStats false when no expert was selected in
// between. Counters that went backwards (a reloaded model) count as zero.
void fillOffloadWindow(TelemetrySnapshot& snapshot, const hoard::OffloadCounters& before,
                       const hoard::OffloadCounters& after, double seconds);

// The offload figures of a whole reply, for its record.
struct OffloadReplySummary {
    double hitRate = 0;
    uint64_t requests = 0;
    uint64_t bytesToDevice = 0;
    uint64_t deviceCapacity = 0, devicePeak = 0;
};
OffloadReplySummary summarizeOffload(const hoard::OffloadCounters& before,
                                     const hoard::OffloadCounters& after);

} // namespace hoard::gui
