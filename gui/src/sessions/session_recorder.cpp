#include "sessions/session_recorder.hpp"

namespace hoard::gui {

SessionRecorder::SessionRecorder(TelemetryFeed& feed, MemorySessionArchive* archive,
                                 QObject* parent)
    : QObject(parent), archive_(archive) {
    connect(&feed, &TelemetryFeed::generationStarted, this,
            [this](const QString& modelName, const QString& modelPath) {
                current_ = archive_ ? archive_->begin(modelName, modelPath) : -1;
                since_announced_.start();
                emit sessionsChanged();
            });
    connect(&feed, &TelemetryFeed::snapshotArrived, this,
            [this](const TelemetrySnapshot& snapshot) {
                if (!current_) return;
                if (archive_) archive_->append(current_, snapshot);
                if (since_announced_.elapsed() >= 1000) {
                    since_announced_.restart();
                    emit sessionsChanged();
                }
            });
    connect(&feed, &TelemetryFeed::generationFinished, this,
            [this](const GenerationRecord& record) {
                if (!current_) return;
                if (archive_) archive_->finish(current_, record);
                current_ = 0;
                emit sessionsChanged();
            });
}

} // namespace hoard::gui
