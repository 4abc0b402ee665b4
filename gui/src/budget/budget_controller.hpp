#pragma once
// The Budget planner screen: the detected devices, a device memory budget
// (slider and field) and context length, how the budget divides, and the
// predicted hit rate and speed, recomputed on a worker lane as the slider
// moves (only the newest request runs); after a reply, measured figures
// beside the prediction.
#include "budget/budget_predictor.hpp"
#include "budget/device_list_model.hpp"
#include "engine/worker_lane.hpp"

#include <QObject>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace hoard::gui {

class BudgetController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::DeviceListModel* devices READ devices CONSTANT)
    Q_PROPERTY(bool probing READ probing NOTIFY devicesChanged)
    // A GPU Hoard computes on was found (Vulkan-only GPUs are listed, not planned for).
    Q_PROPERTY(bool hasGpu READ hasGpu NOTIFY devicesChanged)
    // The Devices card's line: probing, why no GPU is planned for, or empty.
    Q_PROPERTY(QString devicesNote READ devicesNote NOTIFY devicesChanged)
    Q_PROPERTY(QString targetName READ targetName NOTIFY devicesChanged)
    Q_PROPERTY(bool hasModel READ hasModel NOTIFY modelChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    Q_PROPERTY(double budgetGB READ budgetGB WRITE setBudgetGB NOTIFY queryChanged)
    Q_PROPERTY(qint64 budgetBytes READ budgetBytes NOTIFY queryChanged)
    Q_PROPERTY(double maxBudgetGB READ maxBudgetGB NOTIFY rangeChanged)
    Q_PROPERTY(QString budgetText READ budgetText NOTIFY queryChanged)
    Q_PROPERTY(int contextTokens READ contextTokens WRITE setContextTokens NOTIFY queryChanged)
    Q_PROPERTY(int maxContextTokens READ maxContextTokens NOTIFY modelChanged)
    Q_PROPERTY(bool lowPrecision READ lowPrecision WRITE setLowPrecision NOTIFY queryChanged)
    Q_PROPERTY(bool computing READ computing NOTIFY predictionChanged)
    Q_PROPERTY(bool fits READ fits NOTIFY predictionChanged)
    Q_PROPERTY(QString problem READ problem NOTIFY predictionChanged)
    // Segments {key, label, bytes, text, fraction}: shared, kv, workspace, high, low, headroom.
    Q_PROPERTY(QVariantList breakdown READ breakdown NOTIFY predictionChanged)
    Q_PROPERTY(double predictedHitRate READ predictedHitRate NOTIFY predictionChanged)
    Q_PROPERTY(
        double predictedTokensPerSecond READ predictedTokensPerSecond NOTIFY predictionChanged)
    Q_PROPERTY(double hostOnlyTokensPerSecond READ hostOnlyTokensPerSecond NOTIFY predictionChanged)
    Q_PROPERTY(QString basis READ basis NOTIFY predictionChanged)
    Q_PROPERTY(int highSlots READ highSlots NOTIFY predictionChanged)
    Q_PROPERTY(int lowSlots READ lowSlots NOTIFY predictionChanged)
    Q_PROPERTY(int totalExperts READ totalExperts NOTIFY predictionChanged)
    Q_PROPERTY(bool slotsAreAlternatives READ slotsAreAlternatives NOTIFY predictionChanged)
    Q_PROPERTY(
        QList<qreal> predictedLayerHitRates READ predictedLayerHitRates NOTIFY predictionChanged)
    Q_PROPERTY(bool hasMeasurement READ hasMeasurement NOTIFY measuredChanged)
    Q_PROPERTY(double measuredTokensPerSecond READ measuredTokensPerSecond NOTIFY measuredChanged)
    Q_PROPERTY(double measuredHitRate READ measuredHitRate NOTIFY measuredChanged) // NaN: unknown
    // "52.1 MB of 60.0 MB" (device memory the offload engine used at most), or empty.
    Q_PROPERTY(QString measuredDeviceUse READ measuredDeviceUse NOTIFY measuredChanged)

  public:
    BudgetController(BudgetPredictor& predictor, DeviceProbe& probe, QObject* parent = nullptr);
    ~BudgetController() override;

    DeviceListModel* devices() { return &devices_; }
    bool probing() const { return probing_; }
    bool hasGpu() const { return devices_.firstGpu() != nullptr; }
    QString devicesNote() const;
    QString probeNotes() const { return probe_notes_; } // the probes' own words
    QString targetName() const;
    bool hasModel() const { return model_.has_value(); }
    QString modelName() const { return model_name_; }
    double budgetGB() const { return double(query_.deviceBytes) / 1e9; }
    qint64 budgetBytes() const { return qint64(query_.deviceBytes); }
    void setBudgetGB(double gb);
    double maxBudgetGB() const;
    QString budgetText() const;
    int contextTokens() const { return int(query_.contextTokens); }
    void setContextTokens(int tokens);
    int maxContextTokens() const;
    bool lowPrecision() const { return query_.lowPrecision; }
    void setLowPrecision(bool on);
    bool computing() const { return in_flight_; }
    bool fits() const { return prediction_.fits; }
    QString problem() const { return prediction_.problem; }
    QVariantList breakdown() const;
    double predictedHitRate() const { return prediction_.hitRate; }
    double predictedTokensPerSecond() const { return prediction_.tokensPerSecond; }
    double hostOnlyTokensPerSecond() const { return prediction_.hostOnlyTokensPerSecond; }
    QString basis() const { return prediction_.basis; }
    int highSlots() const { return int(prediction_.highSlots); }
    int lowSlots() const { return int(prediction_.lowSlots); }
    int totalExperts() const { return int(prediction_.totalExperts); }
    bool slotsAreAlternatives() const { return prediction_.slotsAreAlternatives; }
    QList<qreal> predictedLayerHitRates() const {
        return QList<qreal>(prediction_.layerHitRates.begin(), prediction_.layerHitRates.end());
    }
    bool hasMeasurement() const { return measured_tps_ > 0; }
    double measuredTokensPerSecond() const { return measured_tps_; }
    double measuredHitRate() const { return measured_hit_rate_; }
    QString measuredDeviceUse() const { return measured_device_use_; }
    const BudgetPrediction& prediction() const { return prediction_; }
    const BudgetQuery& query() const { return query_; }

    // The loaded model and its file (none: the planner says to load one).
    void setModel(const std::optional<hoard::ModelSummary>& summary, const QString& name,
                  const QString& path = {});
    // What the last reply achieved (hit rate NaN when not reported; device
    // figures 0 when the model did not run offloaded).
    void setMeasured(double tokensPerSecond, double hitRate, uint64_t devicePeakBytes = 0,
                     uint64_t deviceCapacityBytes = 0);

    Q_INVOKABLE void probeDevices();
    // The largest budget the target can give (90% of free VRAM), or, with no
    // GPU, about half of what the model needs (so offloading has work to do).
    Q_INVOKABLE void useRecommendedBudget();

  signals:
    void devicesChanged();
    void modelChanged();
    void queryChanged();
    void rangeChanged();
    void predictionChanged();
    void measuredChanged();

  private:
    void applyTarget();
    void requestPrediction();
    void launch();
    void onPrediction(uint64_t generation, const BudgetPrediction& prediction);

    BudgetPredictor& predictor_;
    DeviceProbe& probe_;
    DeviceListModel devices_;
    QString probe_notes_;
    bool probing_ = false;
    std::optional<hoard::ModelSummary> model_;
    QString model_name_;
    BudgetQuery query_;
    BudgetPrediction prediction_;
    bool in_flight_ = false, dirty_ = false;
    uint64_t generation_ = 0;
    double measured_tps_ = 0;
    double measured_hit_rate_;
    QString measured_device_use_;
    std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
    WorkerLane lane_{"budget planner"};
};

} // namespace hoard::gui
