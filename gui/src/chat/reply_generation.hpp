#pragma once
// One reply, generated on the chat lane: Session::chat with the tokens
// coalesced into chunks for the GUI, and a telemetry snapshot per chunk (its
// window's decode speed and, for an offloaded model, its expert decisions).
#include "chat/token_coalescer.hpp"
#include "telemetry/offload_window.hpp"
#include "telemetry/telemetry_feed.hpp"

#include "hoard/engine.hpp"

#include <QString>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

namespace hoard::gui {

struct ReplyOutcome {
    hoard::GenerationStats stats;
    QString error; // in words; empty when the reply finished (or was stopped)
    std::optional<OffloadReplySummary> offload;
};

// Runs on the generating thread. `stop` ends the reply at the next token;
// `on_chunk` receives coalesced text; `feed` (may be null) the snapshots.
ReplyOutcome generateReply(hoard::Session& session, const hoard::Model& model,
                           const std::vector<hoard::ChatMessage>& history,
                           const hoard::GenerationParams& params, const std::atomic<bool>& stop,
                           const std::function<void(const TokenCoalescer::Chunk&)>& on_chunk,
                           TelemetryFeed* feed);

} // namespace hoard::gui
