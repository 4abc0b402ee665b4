#pragma once
// Sessions as the profiling store recorded them (hoard/profiling.hpp): the
// list with per-layer totals, a session's layer windows turned into the
// charts' snapshots, and the store's exports (JSON, CSV folder, Perfetto
// trace, standalone SQLite).
#include "sessions/session_archive.hpp"

#include "hoard/profiling.hpp"

#include <memory>

namespace hoard::gui {

class ProfileSessionArchive : public SessionArchive {
  public:
    explicit ProfileSessionArchive(std::shared_ptr<hoard::ProfileStore> store);

    QList<SessionSummary> sessions() const override;
    std::optional<SessionRecording> recording(qint64 id) const override;
    QStringList exportFormats() const override;
    QString exportSession(qint64 id, const QString& format, const QString& path) const override;

  private:
    std::shared_ptr<hoard::ProfileStore> store_;
};

// The list's summary of a recorded session.
SessionSummary summarizeRecordedSession(const hoard::RecordedSession& session);
// One snapshot per layer window (all layers of a window together), with the
// decode speed of the passes that ended inside it.
std::vector<TelemetrySnapshot>
snapshotsFromWindows(const std::vector<hoard::RecordedLayerWindow>& windows,
                     const std::vector<hoard::RecordedPass>& passes);

} // namespace hoard::gui
