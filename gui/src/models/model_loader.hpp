#pragma once
// Loads the model the user picked, on a worker lane, with progress and cancel:
// whole, or with its experts offloaded under a device memory budget (the
// budget planner's "Run with this budget"; a simulated device without a GPU).
// The model in use stays until a new one is ready; the GUI thread owns the
// handle and hands it to the chat and the budget planner.
#include "engine/worker_lane.hpp"
#include "models/model_inspector.hpp"

#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <memory>
#include <optional>

namespace hoard::gui {

class ModelLoader : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool loading READ loading NOTIFY stateChanged)
    Q_PROPERTY(bool ready READ ready NOTIFY modelChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
    Q_PROPERTY(QString stage READ stage NOTIFY progressChanged)
    Q_PROPERTY(QString loadingPath READ loadingPath NOTIFY stateChanged)
    Q_PROPERTY(QString modelPath READ modelPath NOTIFY modelChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)
    // The model in use runs through the offload engine.
    Q_PROPERTY(bool offloaded READ offloaded NOTIFY modelChanged)
    Q_PROPERTY(qint64 offloadBudgetBytes READ offloadBudgetBytes NOTIFY modelChanged)
    // "simulated device (64.00 MiB, link 25 GB/s)", from the engine; empty when not offloaded.
    Q_PROPERTY(QString offloadDevice READ offloadDevice NOTIFY modelChanged)

  public:
    enum class State { Idle, Loading, Failed };
    Q_ENUM(State)

    explicit ModelLoader(ModelOpener& opener, QObject* parent = nullptr);
    ~ModelLoader() override;

    State state() const { return state_; }
    bool loading() const { return state_ == State::Loading; }
    bool ready() const { return model_ != nullptr; }
    double progress() const { return progress_; }
    QString stage() const { return stage_; }
    QString loadingPath() const { return loading_path_; }
    QString modelPath() const;
    QString modelName() const;
    QString error() const { return error_; }
    std::shared_ptr<hoard::Model> model() const { return model_; }
    bool offloaded() const { return offload_.has_value(); }
    qint64 offloadBudgetBytes() const { return offload_ ? qint64(offload_->deviceBytes) : 0; }
    QString offloadDevice() const { return offload_ ? offload_->device : QString(); }
    // The offloaded model's context (its KV cache plan); 0 when not offloaded.
    int offloadContextTokens() const { return offload_ ? int(offload_->contextTokens) : 0; }

    // Starts loading `path` (a path or file:// URL), cancelling a load under way.
    Q_INVOKABLE void load(const QString& path);
    // The same, with the experts offloaded: `deviceBytes` of device memory,
    // a KV cache for `contextTokens` (0: the model's default).
    Q_INVOKABLE void loadWithBudget(const QString& path, qint64 deviceBytes, int contextTokens,
                                    bool lowPrecision);
    void load(const QString& path, const hoard::LoadOptions& options);
    Q_INVOKABLE void cancel();
    Q_INVOKABLE void unload();

  signals:
    void stateChanged();
    void progressChanged();
    // A new model is ready, or the model was unloaded.
    void modelChanged();
    void errorOccurred(const QString& message);

  private:
    void onProgress(uint64_t job, double fraction, const QString& stage);
    // What the GUI shows about an offloaded model, read once on the lane.
    struct OffloadInfo {
        uint64_t deviceBytes = 0;
        size_t contextTokens = 0;
        QString device;
    };
    void onLoaded(uint64_t job, std::shared_ptr<hoard::Model> model,
                  std::optional<OffloadInfo> offload, const QString& error, bool cancelled);
    void setState(State state);

    ModelOpener& opener_;
    State state_ = State::Idle;
    double progress_ = 0;
    QString stage_;
    QString loading_path_;
    QString error_;
    std::shared_ptr<hoard::Model> model_;
    std::optional<OffloadInfo> offload_;
    uint64_t job_ = 0;
    std::shared_ptr<std::atomic<bool>> cancel_;
    WorkerLane lane_{"model loading"};
};

} // namespace hoard::gui
