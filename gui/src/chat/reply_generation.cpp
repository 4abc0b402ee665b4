#include "chat/reply_generation.hpp"

#include "hoard/error.hpp"
#include "telemetry/live_snapshot.hpp"

#include <QObject>

#include <limits>
#include <thread>

namespace hoard::gui {

ReplyOutcome generateReply(hoard::Session& session, const hoard::Model& model,
                           const std::vector<hoard::ChatMessage>& history,
                           const hoard::GenerationParams& params, const std::atomic<bool>& stop,
                           const std::function<void(const TokenCoalescer::Chunk&)>& on_chunk,
                           const ReplyTelemetry& telemetry) {
    using Clock = TokenCoalescer::Clock;
    ReplyOutcome outcome;
    TelemetryFeed* feed = telemetry.feed;

    std::optional<hoard::Recording> recording;
    if (telemetry.store) {
        hoard::RecordingOptions options;
        options.model_name = telemetry.modelName;
        options.generation = params;
        options.extra_settings_json = R"({"app": "hoard-desktop"})";
        recording = telemetry.store->record(session, options); // never throws
    }
    std::unique_ptr<hoard::LiveFeed> live;
    if (feed) {
        try {
            hoard::LiveFeedOptions options;
            options.window_seconds = 0.5;
            live = std::make_unique<hoard::LiveFeed>(
                session,
                [feed](const hoard::LiveSnapshot& snapshot) {
                    if (hasActivity(snapshot)) feed->publish(fromLiveSnapshot(snapshot));
                },
                options);
        } catch (const std::exception&) {
            live.reset(); // the chunks' snapshots stand in
        }
    }
    // An offloaded model's counters are read at each snapshot (from this
    // thread, as the engine allows), so each carries its window's decisions.
    const bool offloaded = model.offloaded();
    const hoard::OffloadCounters at_start =
        offloaded ? model.offload_counters() : hoard::OffloadCounters{};
    hoard::OffloadCounters previous = at_start;
    auto window_start = Clock::now();
    uint64_t sequence = 0;
    double previous_seconds = -1; // end of the previous snapshot's window

    auto deliver = [&](const TokenCoalescer::Chunk& chunk) {
        on_chunk(chunk);
        if (!feed || live) return;
        // The window's decode rate; none for the first chunk, which holds the
        // prompt's evaluation.
        TelemetrySnapshot snapshot;
        snapshot.sequence = ++sequence;
        snapshot.time = chunk.seconds;
        snapshot.tokensPerSecond = std::numeric_limits<double>::quiet_NaN();
        if (previous_seconds >= 0 && chunk.seconds > previous_seconds)
            snapshot.tokensPerSecond = double(chunk.tokens) / (chunk.seconds - previous_seconds);
        previous_seconds = chunk.seconds;
        snapshot.generatedTokens = chunk.total_tokens;
        if (offloaded) {
            const auto now = Clock::now();
            hoard::OffloadCounters counters = model.offload_counters();
            fillOffloadWindow(snapshot, previous, counters,
                              std::chrono::duration<double>(now - window_start).count());
            previous = std::move(counters);
            window_start = now;
        }
        feed->publish(snapshot);
    };

    TokenCoalescer coalescer;
    coalescer.start(Clock::now());
    try {
        if (stop.load()) {
            outcome.stats.stop = hoard::StopReason::Cancelled;
        } else {
            outcome.stats =
                session.chat(history, params, [&](int32_t token, std::string_view text) {
                    if (stop.load()) return false;
                    if (auto chunk = coalescer.add(text, token >= 0, Clock::now())) deliver(*chunk);
                    return true;
                });
        }
        if (auto chunk = coalescer.flush(Clock::now())) deliver(*chunk);
    } catch (const hoard::Error& e) {
        outcome.error = QString::fromUtf8(e.what());
    } catch (const std::exception& e) {
        outcome.error = QObject::tr("The reply failed: %1").arg(QString::fromUtf8(e.what()));
    }
    if (offloaded) outcome.offload = summarizeOffload(at_start, model.offload_counters());
    if (live) {
        // Let the feed deliver the reply's last window (it aggregates on its
        // own clock), then stop it: no snapshot after this, the end comes last.
        const auto deadline = Clock::now() + std::chrono::milliseconds(300);
        while (Clock::now() < deadline &&
               live->latest().total_generated_tokens + 1 < outcome.stats.generated_tokens)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(110)); // one more interval
        live->stop();
    }
    if (recording) {
        recording->stop();
        if (recording->session_id() > 0) outcome.sessionId = recording->session_id();
        if (recording->failed())
            outcome.recordingError = QString::fromStdString(recording->error());
    }
    return outcome;
}

} // namespace hoard::gui
