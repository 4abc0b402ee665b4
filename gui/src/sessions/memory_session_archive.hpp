#pragma once
// Sessions recorded in memory from the telemetry feed (one per reply): the
// archive until the profiling store records them in its database.
#include "sessions/session_archive.hpp"

namespace hoard::gui {

class MemorySessionArchive : public SessionArchive {
  public:
    // A long session keeps at most this many snapshots (the oldest are thinned).
    explicit MemorySessionArchive(size_t maxSnapshotsPerSession = 6000);

    QList<SessionSummary> sessions() const override;
    std::optional<SessionRecording> recording(qint64 id) const override;
    QStringList exportFormats() const override;
    QString exportSession(qint64 id, const QString& format, const QString& path) const override;

    qint64 begin(const QString& modelName, const QString& modelPath);
    void append(qint64 id, const TelemetrySnapshot& snapshot);
    void finish(qint64 id, const GenerationRecord& record);

  private:
    SessionRecording* find(qint64 id);

    size_t max_snapshots_;
    QList<SessionRecording> sessions_;
    qint64 next_id_ = 1;
};

// The recording as JSON (summary and every snapshot) or CSV (one row per snapshot).
QByteArray sessionToJson(const SessionRecording& recording);
QByteArray sessionToCsv(const SessionRecording& recording);

} // namespace hoard::gui
