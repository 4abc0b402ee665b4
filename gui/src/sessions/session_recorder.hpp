#pragma once
// Follows the generations the telemetry feed announces: records each into a
// MemorySessionArchive (one session per reply, with its snapshots) when
// given one, and says when the sessions list should be read again (also
// when the profiling store records them itself).
#include "sessions/memory_session_archive.hpp"
#include "telemetry/telemetry_feed.hpp"

#include <QElapsedTimer>
#include <QObject>

namespace hoard::gui {

class SessionRecorder : public QObject {
    Q_OBJECT

  public:
    SessionRecorder(TelemetryFeed& feed, MemorySessionArchive* archive, QObject* parent = nullptr);
    qint64 recordingId() const { return current_; }

  signals:
    // A session began or ended, or (at most once a second) the one being
    // recorded moved on: the list should be read again.
    void sessionsChanged();

  private:
    MemorySessionArchive* archive_;
    qint64 current_ = 0;
    QElapsedTimer since_announced_;
};

} // namespace hoard::gui
