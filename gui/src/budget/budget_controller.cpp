#include "budget/budget_controller.hpp"

#include "common/display_format.hpp"

#include <QVariantMap>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hoard::gui {
namespace {

// Planned for when no GPU is found: a mainstream card on PCIe 4.0 x16.
constexpr double kReferenceDeviceBandwidth = 450e9;
constexpr double kReferenceLinkBandwidth = 25e9;

} // namespace

BudgetController::BudgetController(BudgetPredictor& predictor, DeviceProbe& probe, QObject* parent)
    : QObject(parent), predictor_(predictor), probe_(probe),
      measured_hit_rate_(std::numeric_limits<double>::quiet_NaN()) {
    query_.deviceBytesPerSecond = kReferenceDeviceBandwidth;
    query_.linkBytesPerSecond = kReferenceLinkBandwidth;
    probeDevices();
}

BudgetController::~BudgetController() {
    cancel_->store(true);
    lane_.stop();
}

QString BudgetController::targetName() const {
    if (const DeviceInfo* gpu = devices_.firstGpu())
        return QStringLiteral("%1 (%2)").arg(gpu->name, formatBytes(gpu->totalBytes));
    return tr("a reference GPU (no GPU detected: %1 GB/s memory, PCIe 4.0 x16)")
        .arg(kReferenceDeviceBandwidth / 1e9, 0, 'f', 0);
}

QString BudgetController::devicesNote() const {
    if (probing_) return tr("Looking for devices…");
    if (devices_.firstGpu()) return {};
    if (devices_.gpuCount() > 0)
        return tr("Hoard cannot compute on the GPU found yet (it is listed through Vulkan): "
                  "it computes on the CPU. Plans are for a reference GPU.");
    QString note = tr("No GPU detected: Hoard computes on the CPU. Plans are for a reference GPU.");
    if (!probe_notes_.isEmpty()) {
        note += QLatin1Char(' ') + tr("Why: %1").arg(probe_notes_);
        if (!note.endsWith(QLatin1Char('.'))) note += QLatin1Char('.');
    }
    return note;
}

void BudgetController::probeDevices() {
    if (probing_) return;
    probing_ = true;
    emit devicesChanged();
    lane_.post([this] {
        auto found = probe_.probe();
        QString notes = probe_.notes();
        QMetaObject::invokeMethod(
            this,
            [this, found = std::move(found), notes = std::move(notes)]() mutable {
                probing_ = false;
                probe_notes_ = std::move(notes);
                devices_.setDevices(std::move(found));
                applyTarget();
                emit devicesChanged();
            },
            Qt::QueuedConnection);
    });
}

void BudgetController::applyTarget() {
    if (const DeviceInfo* gpu = devices_.firstGpu()) {
        query_.deviceBytesPerSecond =
            gpu->memoryBytesPerSecond > 0 ? gpu->memoryBytesPerSecond : kReferenceDeviceBandwidth;
        query_.linkBytesPerSecond =
            gpu->linkBytesPerSecond > 0 ? gpu->linkBytesPerSecond : kReferenceLinkBandwidth;
        query_.splitExperts = gpu->usable && gpu->api == QStringLiteral("CUDA");
    }
    if (const DeviceInfo* host = devices_.host())
        query_.hostBytesPerSecond = host->memoryBytesPerSecond;
    emit rangeChanged();
    if (model_ && query_.deviceBytes == 0) useRecommendedBudget();
    requestPrediction();
}

double BudgetController::maxBudgetGB() const {
    if (const DeviceInfo* gpu = devices_.firstGpu()) return double(gpu->totalBytes) / 1e9;
    // No GPU: room for the whole model at the longest context, and a little more.
    const double need = model_ ? double(model_->memory_bytes) * 1.25 : 8e9;
    return std::max(need, 0.05e9) / 1e9;
}

QString BudgetController::budgetText() const {
    return formatBytes(query_.deviceBytes);
}

void BudgetController::setBudgetGB(double gb) {
    if (!std::isfinite(gb)) return;
    const uint64_t bytes = uint64_t(std::llround(std::clamp(gb, 0.0, maxBudgetGB()) * 1e9));
    if (bytes == query_.deviceBytes) return;
    query_.deviceBytes = bytes;
    emit queryChanged();
    requestPrediction();
}

int BudgetController::maxContextTokens() const {
    if (!model_ || model_->n_ctx_train == 0) return 4096;
    return int(std::min<size_t>(model_->n_ctx_train, 262144));
}

void BudgetController::setContextTokens(int tokens) {
    const size_t value = size_t(std::clamp(tokens, 256, maxContextTokens()));
    if (value == query_.contextTokens) return;
    query_.contextTokens = value;
    emit queryChanged();
    requestPrediction();
}

void BudgetController::setLowPrecision(bool on) {
    if (on == query_.lowPrecision) return;
    query_.lowPrecision = on;
    emit queryChanged();
    requestPrediction();
}

void BudgetController::setModel(const std::optional<hoard::ModelSummary>& summary,
                                const QString& name, const QString& path) {
    model_ = summary;
    model_name_ = summary ? name : QString();
    query_.modelPath =
        summary ? std::filesystem::path(path.toStdString()) : std::filesystem::path();
    if (model_)
        query_.contextTokens =
            std::min<size_t>(model_->n_ctx ? model_->n_ctx : 4096, size_t(maxContextTokens()));
    emit modelChanged();
    emit rangeChanged();
    if (model_) {
        useRecommendedBudget();
        requestPrediction(); // also when the budget did not change
    } else {
        prediction_ = {};
        emit predictionChanged();
    }
}

void BudgetController::setMeasured(double tokensPerSecond, double hitRate, uint64_t devicePeakBytes,
                                   uint64_t deviceCapacityBytes) {
    measured_tps_ = tokensPerSecond;
    measured_hit_rate_ = hitRate;
    measured_device_use_ =
        deviceCapacityBytes
            ? tr("%1 of %2").arg(formatBytes(devicePeakBytes), formatBytes(deviceCapacityBytes))
            : QString();
    emit measuredChanged();
}

void BudgetController::useRecommendedBudget() {
    double gb;
    if (const DeviceInfo* gpu = devices_.firstGpu())
        gb = double(gpu->freeBytes) * 0.9 / 1e9;
    else
        gb = model_ ? double(model_->memory_bytes) * 0.6 / 1e9 : 4.0;
    // Rounded to what the slider shows.
    const double step = maxBudgetGB() / 200.0;
    setBudgetGB(step > 0 ? std::round(gb / step) * step : gb);
}

QVariantList BudgetController::breakdown() const {
    const BudgetPrediction& p = prediction_;
    struct Part {
        const char* key;
        QString label;
        uint64_t bytes;
    };
    const Part parts[] = {{"shared", tr("Shared weights"), p.nonExpertBytes},
                          {"kv", tr("KV cache"), p.kvCacheBytes},
                          {"workspace", tr("Workspace"), p.workspaceBytes},
                          {"high",
                           p.slotsAreAlternatives ? tr("Expert cache (high and low precision)")
                                                  : tr("Experts, high precision"),
                           p.highExpertBytes},
                          {"low", tr("Experts, low precision"), p.lowExpertBytes},
                          {"headroom", tr("Headroom"), p.headroomBytes}};
    uint64_t whole = 0;
    for (const Part& part : parts) whole += part.bytes;
    // Over budget, the bar shows what is needed, scaled to the need.
    whole = std::max(whole, p.deviceBytes);
    QVariantList list;
    if (!model_) return list;
    for (const Part& part : parts)
        list << QVariantMap{{"key", QString::fromLatin1(part.key)},
                            {"label", part.label},
                            {"bytes", double(part.bytes)},
                            {"text", formatBytes(part.bytes)},
                            {"fraction", whole ? double(part.bytes) / double(whole) : 0.0}};
    return list;
}

void BudgetController::requestPrediction() {
    if (!model_) return;
    if (in_flight_) {
        dirty_ = true;
        return;
    }
    launch();
}

void BudgetController::launch() {
    in_flight_ = true;
    dirty_ = false;
    const uint64_t generation = ++generation_;
    const hoard::ModelSummary summary = *model_;
    const BudgetQuery query = query_;
    auto cancel = cancel_;
    emit predictionChanged();
    lane_.post([this, generation, summary, query, cancel] {
        BudgetPrediction result;
        try {
            result = predictor_.predict(summary, query, *cancel);
        } catch (const std::exception& e) {
            result.fits = false;
            result.problem = tr("The prediction failed: %1").arg(QString::fromUtf8(e.what()));
        }
        QMetaObject::invokeMethod(
            this, [this, generation, result] { onPrediction(generation, result); },
            Qt::QueuedConnection);
    });
}

void BudgetController::onPrediction(uint64_t generation, const BudgetPrediction& prediction) {
    in_flight_ = false;
    if (generation == generation_ && model_) prediction_ = prediction;
    if (dirty_ && model_) {
        launch(); // the slider moved on meanwhile: predict the newest budget
        return;
    }
    emit predictionChanged();
}

} // namespace hoard::gui
