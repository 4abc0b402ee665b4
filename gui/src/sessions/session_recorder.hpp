#pragma once
// Records every generation the telemetry feed announces into a
// MemorySessionArchive (one session per reply, with its snapshots).
#include "sessions/memory_session_archive.hpp"
#include "telemetry/telemetry_feed.hpp"

#include <QObject>

namespace hoard::gui {

class SessionRecorder : public QObject {
    Q_OBJECT

  public:
    SessionRecorder(TelemetryFeed& feed, MemorySessionArchive& archive, QObject* parent = nullptr);
    qint64 recordingId() const { return current_; }

  signals:
    // A session began or ended (the list changed).
    void sessionsChanged();

  private:
    MemorySessionArchive& archive_;
    qint64 current_ = 0;
};

} // namespace hoard::gui
