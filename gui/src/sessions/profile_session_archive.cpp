#include "sessions/profile_session_archive.hpp"

#include "telemetry/live_snapshot.hpp"

#include <QDir>
#include <QFileInfo>
#include <QObject>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace hoard::gui {
namespace {

// A real model has at most a few hundred layers; more in a window is a bad row.
constexpr uint32_t kMaxLayers = 1024;

} // namespace

ProfileSessionArchive::ProfileSessionArchive(std::shared_ptr<hoard::ProfileStore> store)
    : store_(std::move(store)) {}

SessionSummary summarizeRecordedSession(const hoard::RecordedSession& s) {
    SessionSummary out;
    out.id = s.id;
    out.startedAt = QDateTime::fromMSecsSinceEpoch(qint64(std::llround(s.started_at * 1000.0)));
    out.seconds = std::max(0.0, s.ended_at.value_or(s.updated_at) - s.started_at);
    out.modelName = QString::fromStdString(s.model_name);
    out.modelPath = QString::fromStdString(s.model_path);
    out.status = QString::fromStdString(s.status);
    out.error = QString::fromStdString(s.error);
    out.promptTokens = s.prompt_tokens;
    out.generatedTokens = s.generated_tokens;
    out.tokensPerSecond = s.decode_tokens_per_second();
    out.deviceBudgetBytes = s.device_budget_bytes;
    out.hasLayerStats = !s.layers.empty() && s.total.selections() > 0;
    if (out.hasLayerStats) out.hitRate = s.total.hit_rate();
    return out;
}

std::vector<TelemetrySnapshot>
snapshotsFromWindows(const std::vector<hoard::RecordedLayerWindow>& windows,
                     const std::vector<hoard::RecordedPass>& passes) {
    std::map<uint64_t, std::vector<const hoard::RecordedLayerWindow*>> by_window;
    for (const auto& w : windows)
        if (w.layer < kMaxLayers) by_window[w.window_index].push_back(&w);
    std::vector<TelemetrySnapshot> snapshots;
    snapshots.reserve(by_window.size());
    uint64_t generated = 0;
    size_t next_pass = 0;
    for (const auto& [index, layers] : by_window) {
        double t_start = std::numeric_limits<double>::max(), t_end = 0;
        uint32_t n_layers = 0;
        hoard::LiveSnapshot live; // the same arithmetic as the live dashboard
        for (const auto* w : layers) {
            t_start = std::min(t_start, w->t_start);
            t_end = std::max(t_end, w->t_end);
            n_layers = std::max(n_layers, w->layer + 1);
        }
        live.layers.resize(n_layers);
        for (const auto* w : layers) {
            live.layers[w->layer] += w->activity;
            live.total += w->activity;
        }
        live.covered_seconds = t_end > t_start ? t_end - t_start : 0;
        live.host_to_device_bytes_per_second =
            live.covered_seconds > 0
                ? double(live.total.bytes_host_to_device) / live.covered_seconds
                : 0;
        live.storage_to_host_bytes_per_second =
            live.covered_seconds > 0
                ? double(live.total.bytes_storage_to_host) / live.covered_seconds
                : 0;
        // Decode steps that ended by the window's end.
        uint64_t tokens = 0;
        double decode_seconds = 0;
        while (next_pass < passes.size() && passes[next_pass].t_end <= t_end) {
            const auto& p = passes[next_pass++];
            if (p.prefill) continue;
            tokens += p.n_tokens;
            decode_seconds += p.t_end - p.t_start;
        }
        generated += tokens;
        live.decode_tokens = tokens;
        live.tokens_per_second = decode_seconds > 0 ? double(tokens) / decode_seconds : 0;
        live.total_generated_tokens = generated;
        live.engine_time = t_end;
        TelemetrySnapshot s = fromLiveSnapshot(live);
        s.sequence = snapshots.size() + 1;
        if (tokens == 0) s.tokensPerSecond = std::numeric_limits<double>::quiet_NaN();
        snapshots.push_back(std::move(s));
    }
    return snapshots;
}

QList<SessionSummary> ProfileSessionArchive::sessions() const {
    QList<SessionSummary> list;
    try {
        for (const auto& s : store_->sessions()) list.append(summarizeRecordedSession(s));
    } catch (const std::exception&) {
        // An unreadable database lists nothing; opening it reported why.
    }
    return list;
}

std::optional<SessionRecording> ProfileSessionArchive::recording(qint64 id) const {
    try {
        const auto session = store_->session(id);
        if (!session) return std::nullopt;
        SessionRecording r;
        r.summary = summarizeRecordedSession(*session);
        const auto passes = store_->passes(id);
        r.snapshots = snapshotsFromWindows(store_->layer_windows(id), passes);
        // Time to first token: from the session's start to the first decode step's end.
        for (const auto& p : passes)
            if (!p.prefill) {
                r.summary.timeToFirstToken = p.t_end;
                break;
            }
        return r;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

QStringList ProfileSessionArchive::exportFormats() const {
    return {QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("perfetto"),
            QStringLiteral("sqlite")};
}

QString ProfileSessionArchive::exportSession(qint64 id, const QString& format,
                                             const QString& path) const {
    try {
        const auto kind = hoard::parse_session_export_format(format.toStdString());
        QString destination = path;
        // CSV is a folder of tables: "run.csv" becomes the folder "run".
        if (kind == hoard::SessionExportFormat::Csv &&
            destination.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive))
            destination.chop(4);
        store_->export_session(id, kind, destination.toStdString());
        return {};
    } catch (const std::exception& e) {
        return QObject::tr("The session could not be exported: %1")
            .arg(QString::fromUtf8(e.what()));
    }
}

} // namespace hoard::gui
