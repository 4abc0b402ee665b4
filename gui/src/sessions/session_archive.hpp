#pragma once
// Recorded sessions, for the Sessions screen: what each was (model, tokens,
// speed, hit rate), its telemetry, and exports. Kept in memory for now
// (MemorySessionArchive); the profiling store backs it once its facade is
// public, with its own export formats. GUI thread only.
#include "telemetry/telemetry_snapshot.hpp"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace hoard::gui {

struct SessionSummary {
    qint64 id = 0;
    QDateTime startedAt;
    double seconds = 0;
    QString modelName, modelPath;
    QString status; // recording | complete | failed
    QString error;
    uint64_t promptTokens = 0, generatedTokens = 0;
    double tokensPerSecond = 0;
    double timeToFirstToken = 0;
    std::optional<double> hitRate; // when the engine reported expert decisions
    uint64_t deviceBudgetBytes = 0;
    bool hasLayerStats = false;
};

struct SessionRecording {
    SessionSummary summary;
    std::vector<TelemetrySnapshot> snapshots;
};

class SessionArchive {
  public:
    virtual ~SessionArchive() = default;
    virtual QList<SessionSummary> sessions() const = 0; // newest first
    virtual std::optional<SessionRecording> recording(qint64 id) const = 0;
    // Format names the export accepts ("json", "csv", ...), and their file suffixes.
    virtual QStringList exportFormats() const = 0;
    // Writes session `id` in `format`; returns an empty string, or what went wrong in words.
    virtual QString exportSession(qint64 id, const QString& format, const QString& path) const = 0;
};

} // namespace hoard::gui
