#pragma once
// The engine's live snapshots (hoard/profiling.hpp's LiveFeed) as the
// dashboard's snapshots.
#include "telemetry/telemetry_snapshot.hpp"

#include "hoard/profiling.hpp"

namespace hoard::gui {

// Layers with no selected expert in the window get a NaN hit rate (nothing
// known), not 0; a window without any selection has no expert figures.
TelemetrySnapshot fromLiveSnapshot(const hoard::LiveSnapshot& live);

// Whether a live snapshot saw any work (idle ones are not worth drawing).
bool hasActivity(const hoard::LiveSnapshot& live);

} // namespace hoard::gui
