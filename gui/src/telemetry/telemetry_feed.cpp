#include "telemetry/telemetry_feed.hpp"

namespace hoard::gui {

TelemetryFeed::TelemetryFeed(QObject* parent) : QObject(parent) {
    qRegisterMetaType<TelemetrySnapshot>();
    qRegisterMetaType<GenerationRecord>();
}

void TelemetryFeed::beginGeneration(const QString& modelName, const QString& modelPath) {
    QMetaObject::invokeMethod(
        this, [this, modelName, modelPath] { emit generationStarted(modelName, modelPath); },
        Qt::QueuedConnection);
}

void TelemetryFeed::publish(const TelemetrySnapshot& snapshot) {
    QMetaObject::invokeMethod(
        this, [this, snapshot] { emit snapshotArrived(snapshot); }, Qt::QueuedConnection);
}

void TelemetryFeed::endGeneration(const GenerationRecord& record) {
    QMetaObject::invokeMethod(
        this, [this, record] { emit generationFinished(record); }, Qt::QueuedConnection);
}

} // namespace hoard::gui
