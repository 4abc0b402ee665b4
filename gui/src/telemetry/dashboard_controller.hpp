#pragma once
// The live dashboard: the telemetry window of the current (and recent)
// generations, fed by the TelemetryFeed on the GUI thread.
#include "telemetry/telemetry_feed.hpp"
#include "telemetry/telemetry_series.hpp"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class DashboardController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::TelemetrySeries* series READ series CONSTANT)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY generatingChanged)
    Q_PROPERTY(qint64 snapshotCount READ snapshotCount NOTIFY snapshotCountChanged)
    // The last finished reply's figures (0 before the first).
    Q_PROPERTY(double lastTokensPerSecond READ lastTokensPerSecond NOTIFY generatingChanged)
    Q_PROPERTY(double lastTimeToFirstToken READ lastTimeToFirstToken NOTIFY generatingChanged)

  public:
    explicit DashboardController(TelemetryFeed& feed, int capacity = 150,
                                 QObject* parent = nullptr);

    TelemetrySeries* series() { return &series_; }
    bool generating() const { return generating_; }
    QString modelName() const { return model_name_; }
    qint64 snapshotCount() const { return snapshot_count_; }
    double lastTokensPerSecond() const { return last_.tokensPerSecond; }
    double lastTimeToFirstToken() const { return last_.timeToFirstToken; }

    Q_INVOKABLE void clear();

  signals:
    void generatingChanged();
    void snapshotCountChanged();

  private:
    TelemetrySeries series_;
    bool generating_ = false;
    QString model_name_;
    qint64 snapshot_count_ = 0;
    GenerationRecord last_;
};

} // namespace hoard::gui
