#include "telemetry/dashboard_controller.hpp"

namespace hoard::gui {

DashboardController::DashboardController(TelemetryFeed& feed, int capacity, QObject* parent)
    : QObject(parent), series_(capacity) {
    connect(&feed, &TelemetryFeed::generationStarted, this,
            [this](const QString& modelName, const QString&) {
                generating_ = true;
                model_name_ = modelName;
                emit generatingChanged();
            });
    connect(&feed, &TelemetryFeed::snapshotArrived, this,
            [this](const TelemetrySnapshot& snapshot) {
                series_.append(snapshot);
                ++snapshot_count_;
                emit snapshotCountChanged();
            });
    connect(&feed, &TelemetryFeed::generationFinished, this,
            [this](const GenerationRecord& record) {
                generating_ = false;
                last_ = record;
                emit generatingChanged();
            });
}

void DashboardController::clear() {
    series_.clear();
    snapshot_count_ = 0;
    emit snapshotCountChanged();
}

} // namespace hoard::gui
