#pragma once
// One reply, generated on the chat lane: Session::chat with the tokens
// coalesced into chunks for the GUI; recorded into the profiling store when
// there is one; and live telemetry for the dashboard: the engine's LiveFeed
// (per-layer activity, precision mix, link traffic, 10 snapshots a second),
// or, where that cannot start, a snapshot per chunk (its decode speed and,
// for an offloaded model, its expert decisions from the offload counters).
#include "chat/token_coalescer.hpp"
#include "telemetry/offload_window.hpp"
#include "telemetry/telemetry_feed.hpp"

#include "hoard/engine.hpp"
#include "hoard/profiling.hpp"

#include <QString>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

namespace hoard::gui {

struct ReplyTelemetry {
    TelemetryFeed* feed = nullptr;        // live snapshots (may be null)
    hoard::ProfileStore* store = nullptr; // the reply is recorded here (may be null)
    std::string modelName;                // as the recording names it
};

struct ReplyOutcome {
    hoard::GenerationStats stats;
    QString error; // in words; empty when the reply finished (or was stopped)
    std::optional<OffloadReplySummary> offload;
    std::optional<qint64> sessionId; // the recorded session
    QString recordingError;          // why recording failed (generation went on)
};

// Runs on the generating thread. `stop` ends the reply at the next token;
// `on_chunk` receives coalesced text.
ReplyOutcome generateReply(hoard::Session& session, const hoard::Model& model,
                           const std::vector<hoard::ChatMessage>& history,
                           const hoard::GenerationParams& params, const std::atomic<bool>& stop,
                           const std::function<void(const TokenCoalescer::Chunk&)>& on_chunk,
                           const ReplyTelemetry& telemetry);

} // namespace hoard::gui
