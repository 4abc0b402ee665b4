#include "sessions/memory_session_archive.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cmath>

namespace hoard::gui {

MemorySessionArchive::MemorySessionArchive(size_t maxSnapshotsPerSession)
    : max_snapshots_(std::max<size_t>(maxSnapshotsPerSession, 16)) {}

QList<SessionSummary> MemorySessionArchive::sessions() const {
    QList<SessionSummary> list;
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) list.append(it->summary);
    return list;
}

std::optional<SessionRecording> MemorySessionArchive::recording(qint64 id) const {
    for (const auto& s : sessions_)
        if (s.summary.id == id) return s;
    return std::nullopt;
}

SessionRecording* MemorySessionArchive::find(qint64 id) {
    for (auto& s : sessions_)
        if (s.summary.id == id) return &s;
    return nullptr;
}

QStringList MemorySessionArchive::exportFormats() const {
    return {QStringLiteral("json"), QStringLiteral("csv")};
}

qint64 MemorySessionArchive::begin(const QString& modelName, const QString& modelPath) {
    SessionRecording r;
    r.summary.id = next_id_++;
    r.summary.startedAt = QDateTime::currentDateTime();
    r.summary.modelName = modelName;
    r.summary.modelPath = modelPath;
    r.summary.status = QStringLiteral("recording");
    sessions_.append(r);
    return r.summary.id;
}

void MemorySessionArchive::append(qint64 id, const TelemetrySnapshot& snapshot) {
    SessionRecording* r = find(id);
    if (!r) return;
    r->snapshots.push_back(snapshot);
    if (r->snapshots.size() > max_snapshots_) {
        // Keep every other snapshot: the recording stays bounded, its shape intact.
        std::vector<TelemetrySnapshot> thinned;
        thinned.reserve(r->snapshots.size() / 2 + 1);
        for (size_t i = 0; i < r->snapshots.size(); i += 2) thinned.push_back(r->snapshots[i]);
        r->snapshots = std::move(thinned);
    }
    // While recording, the summary follows the snapshots (finish() sets the final figures).
    SessionSummary& s = r->summary;
    s.hasLayerStats = s.hasLayerStats || snapshot.hasExpertStats;
    s.generatedTokens = snapshot.generatedTokens;
    s.seconds = snapshot.time;
    if (std::isfinite(snapshot.tokensPerSecond) && snapshot.tokensPerSecond > 0)
        s.tokensPerSecond = snapshot.tokensPerSecond;
    if (snapshot.hasExpertStats)
        s.hitRate = s.hitRate ? 0.9 * *s.hitRate + 0.1 * snapshot.hitRate : snapshot.hitRate;
}

void MemorySessionArchive::finish(qint64 id, const GenerationRecord& record) {
    SessionRecording* r = find(id);
    if (!r) return;
    SessionSummary& s = r->summary;
    s.status = record.error.isEmpty() ? QStringLiteral("complete") : QStringLiteral("failed");
    s.error = record.error;
    s.seconds = record.seconds;
    s.promptTokens = record.promptTokens;
    s.generatedTokens = record.generatedTokens;
    s.tokensPerSecond = record.tokensPerSecond;
    s.timeToFirstToken = record.timeToFirstToken;
    double sum = 0;
    int n = 0;
    for (const auto& snap : r->snapshots)
        if (snap.hasExpertStats) sum += snap.hitRate, ++n;
    if (n) s.hitRate = sum / n;
}

QString MemorySessionArchive::exportSession(qint64 id, const QString& format,
                                            const QString& path) const {
    const auto r = recording(id);
    if (!r) return QObject::tr("That session no longer exists.");
    QByteArray bytes;
    if (format == QStringLiteral("json"))
        bytes = sessionToJson(*r);
    else if (format == QStringLiteral("csv"))
        bytes = sessionToCsv(*r);
    else
        return QObject::tr("Sessions can be exported as %1, not “%2”.")
            .arg(exportFormats().join(QStringLiteral(" or ")), format);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QObject::tr("Cannot write “%1”: %2").arg(path, file.errorString());
    return {};
}

namespace {

QJsonValue number(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

} // namespace

QByteArray sessionToJson(const SessionRecording& recording) {
    const SessionSummary& s = recording.summary;
    QJsonArray snaps;
    for (const auto& t : recording.snapshots) {
        QJsonObject o{{"sequence", qint64(t.sequence)},
                      {"time", t.time},
                      {"tokens_per_second", number(t.tokensPerSecond)},
                      {"generated_tokens", qint64(t.generatedTokens)}};
        if (t.hasExpertStats) {
            QJsonArray layers;
            for (double v : t.layerHitRates) layers.append(number(v));
            o.insert("hit_rate", t.hitRate);
            o.insert("layer_hit_rates", layers);
            o.insert("precision_mix", QJsonObject{{"high", t.highFraction},
                                                  {"low", t.lowFraction},
                                                  {"cpu", t.cpuFraction},
                                                  {"skip", t.skipFraction}});
            o.insert("host_to_device_bytes_per_second", t.hostToDeviceBytesPerSecond);
            o.insert("storage_to_host_bytes_per_second", t.storageToHostBytesPerSecond);
            o.insert("cpu_experts", qint64(t.cpuExperts));
        }
        if (t.fidelity) o.insert("fidelity", *t.fidelity);
        snaps.append(o);
    }
    QJsonObject root{{"id", s.id},
                     {"started_at", s.startedAt.toString(Qt::ISODateWithMs)},
                     {"seconds", s.seconds},
                     {"model_name", s.modelName},
                     {"model_path", s.modelPath},
                     {"status", s.status},
                     {"prompt_tokens", qint64(s.promptTokens)},
                     {"generated_tokens", qint64(s.generatedTokens)},
                     {"tokens_per_second", s.tokensPerSecond},
                     {"time_to_first_token", s.timeToFirstToken},
                     {"snapshots", snaps}};
    if (s.hitRate) root.insert("hit_rate", *s.hitRate);
    if (!s.error.isEmpty()) root.insert("error", s.error);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QByteArray sessionToCsv(const SessionRecording& recording) {
    QByteArray csv = "sequence,time_s,tokens_per_second,generated_tokens,hit_rate,high,low,cpu,"
                     "skip,host_to_device_gbps,storage_to_host_gbps,cpu_experts\n";
    for (const auto& t : recording.snapshots) {
        auto num = [](double v) {
            return std::isfinite(v) ? QByteArray::number(v, 'g', 6) : QByteArray();
        };
        QByteArrayList row{QByteArray::number(qulonglong(t.sequence)), num(t.time),
                           num(t.tokensPerSecond),
                           QByteArray::number(qulonglong(t.generatedTokens))};
        if (t.hasExpertStats)
            row << num(t.hitRate) << num(t.highFraction) << num(t.lowFraction) << num(t.cpuFraction)
                << num(t.skipFraction) << num(t.hostToDeviceBytesPerSecond / 1e9)
                << num(t.storageToHostBytesPerSecond / 1e9)
                << QByteArray::number(qulonglong(t.cpuExperts));
        else
            row << ""
                << ""
                << ""
                << ""
                << ""
                << ""
                << ""
                << "";
        csv += row.join(',') + '\n';
    }
    return csv;
}

} // namespace hoard::gui
