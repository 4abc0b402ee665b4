#pragma once
// The one path by which generation telemetry reaches the GUI: publishers on
// any thread (the chat's generation lane, the engine's live feed, a synthetic
// source in tests) call publish(); subscribers on the GUI thread receive the
// signals, always queued, in order.
#include "telemetry/telemetry_snapshot.hpp"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class TelemetryFeed : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")

  public:
    explicit TelemetryFeed(QObject* parent = nullptr);

    // Thread-safe.
    void beginGeneration(const QString& modelName, const QString& modelPath);
    void publish(const TelemetrySnapshot& snapshot);
    void endGeneration(const GenerationRecord& record);

  signals:
    void generationStarted(const QString& modelName, const QString& modelPath);
    void snapshotArrived(const hoard::gui::TelemetrySnapshot& snapshot);
    void generationFinished(const hoard::gui::GenerationRecord& record);
};

// A producer of snapshots that runs on its own (the engine's live telemetry,
// or a synthetic one): started with the feed it publishes to.
class TelemetrySource {
  public:
    virtual ~TelemetrySource() = default;
    virtual void start(TelemetryFeed& feed) = 0;
    // No publish() happens after stop() returns.
    virtual void stop() = 0;
};

} // namespace hoard::gui
