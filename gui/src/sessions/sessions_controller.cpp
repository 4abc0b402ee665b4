#include "sessions/sessions_controller.hpp"

#include <QUrl>

namespace hoard::gui {

SessionsController::SessionsController(SessionArchive& archive, QObject* parent)
    : QObject(parent), archive_(archive) {
    refresh();
}

void SessionsController::refresh() {
    list_.setSessions(archive_.sessions());
    bool changed = false;
    if (selected_id_ && !loadInto(selected_id_, selected_, selected_summary_))
        selected_id_ = 0, changed = true;
    if (compared_id_ && !loadInto(compared_id_, compared_, compared_summary_))
        compared_id_ = 0, changed = true;
    // A new session opens by itself when nothing is open yet.
    if (!selected_id_ && list_.rowCount() > 0) {
        open(list_.idAt(0));
        return;
    }
    if (changed || selected_id_) emit selectionChanged();
}

bool SessionsController::loadInto(qint64 id, TelemetrySeries& series, SessionSummary& summary) {
    const auto recording = archive_.recording(id);
    if (!recording) {
        series.clear();
        summary = {};
        return false;
    }
    series.assign(recording->snapshots);
    summary = recording->summary;
    return true;
}

void SessionsController::open(qint64 sessionId) {
    if (!loadInto(sessionId, selected_, selected_summary_)) {
        emit errorOccurred(tr("That session is no longer in the archive."));
        return;
    }
    selected_id_ = sessionId;
    if (compared_id_ == sessionId) {
        compared_id_ = 0;
        compared_.clear();
    }
    emit selectionChanged();
}

void SessionsController::compareWith(qint64 sessionId) {
    if (sessionId == 0 || sessionId == selected_id_) {
        compared_id_ = 0;
        compared_.clear();
    } else if (loadInto(sessionId, compared_, compared_summary_)) {
        compared_id_ = sessionId;
    } else {
        emit errorOccurred(tr("That session is no longer in the archive."));
        return;
    }
    emit selectionChanged();
}

QString SessionsController::exportSession(qint64 sessionId, const QString& format,
                                          const QString& pathOrUrl) {
    const QString path =
        pathOrUrl.startsWith(QStringLiteral("file:")) ? QUrl(pathOrUrl).toLocalFile() : pathOrUrl;
    const QString error = archive_.exportSession(sessionId, format, path);
    if (!error.isEmpty()) emit errorOccurred(error);
    return error;
}

} // namespace hoard::gui
