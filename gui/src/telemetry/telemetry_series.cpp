#include "telemetry/telemetry_series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hoard::gui {
namespace {

// No real model has more; a bad snapshot cannot make the heatmap huge.
constexpr size_t kMaxLayers = 1024;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

TelemetrySeries::TelemetrySeries(int capacity, bool fixedWindow, QObject* parent)
    : QObject(parent), capacity_(std::max(capacity, 2)), fixed_window_(fixedWindow) {}

void TelemetrySeries::push(const TelemetrySnapshot& snapshot) {
    window_.push_back(snapshot);
    if (window_.back().layerHitRates.size() > kMaxLayers)
        window_.back().layerHitRates.resize(kMaxLayers);
    layers_ = std::max(layers_, int(window_.back().layerHitRates.size()));
    while (int(window_.size()) > capacity_) window_.pop_front();
}

void TelemetrySeries::append(const TelemetrySnapshot& snapshot) {
    push(snapshot);
    emit changed();
}

void TelemetrySeries::assign(const std::vector<TelemetrySnapshot>& snapshots) {
    window_.clear();
    layers_ = 0;
    // A long recording is thinned evenly to fit, keeping its first and last snapshot.
    const size_t n = snapshots.size();
    const size_t keep = std::min(n, size_t(capacity_));
    for (size_t i = 0; i < keep; ++i) push(snapshots[keep > 1 ? i * (n - 1) / (keep - 1) : n - 1]);
    emit changed();
}

void TelemetrySeries::clear() {
    window_.clear();
    layers_ = 0;
    emit changed();
}

bool TelemetrySeries::hasExpertStats() const {
    return std::any_of(window_.begin(), window_.end(),
                       [](const auto& s) { return s.hasExpertStats; });
}

QList<qreal> TelemetrySeries::heatmap() const {
    const int columns = heatmapColumns();
    QList<qreal> cells(qsizetype(layers_) * columns, kNaN);
    const int offset = columns - int(window_.size());
    for (int column = 0; column < int(window_.size()); ++column) {
        const auto& s = window_[size_t(column)];
        if (!s.hasExpertStats) continue;
        for (size_t layer = 0; layer < s.layerHitRates.size(); ++layer)
            cells[qsizetype(layer) * columns + offset + column] = s.layerHitRates[layer];
    }
    return cells;
}

QList<qreal> TelemetrySeries::layerHitRates() const {
    for (auto it = window_.rbegin(); it != window_.rend(); ++it)
        if (it->hasExpertStats)
            return QList<qreal>(it->layerHitRates.begin(), it->layerHitRates.end());
    return {};
}

template <typename F> QList<qreal> TelemetrySeries::series(F value) const {
    QList<qreal> out;
    out.reserve(qsizetype(window_.size()));
    for (const auto& s : window_) out.append(value(s));
    return out;
}

QList<qreal> TelemetrySeries::tokensPerSecondSeries() const {
    return series([](const auto& s) { return s.tokensPerSecond; });
}
QList<qreal> TelemetrySeries::hitRateSeries() const {
    return series([](const auto& s) { return s.hasExpertStats ? s.hitRate : kNaN; });
}
QList<qreal> TelemetrySeries::linkSeries() const {
    return series([](const auto& s) { return s.hostToDeviceBytesPerSecond / 1e9; });
}
QList<qreal> TelemetrySeries::storageSeries() const {
    return series([](const auto& s) { return s.storageToHostBytesPerSecond / 1e9; });
}
QList<qreal> TelemetrySeries::cpuExpertSeries() const {
    return series([](const auto& s) { return double(s.cpuExperts); });
}

QVariantList TelemetrySeries::precisionSeries() const {
    if (!hasExpertStats()) return {};
    return {QVariant::fromValue(series([](const auto& s) { return s.highFraction; })),
            QVariant::fromValue(series([](const auto& s) { return s.lowFraction; })),
            QVariant::fromValue(series([](const auto& s) { return s.cpuFraction; })),
            QVariant::fromValue(series([](const auto& s) { return s.skipFraction; }))};
}

double TelemetrySeries::tokensPerSecond() const {
    // The newest known rate (a generation's first snapshot has none).
    for (auto it = window_.rbegin(); it != window_.rend(); ++it)
        if (std::isfinite(it->tokensPerSecond)) return it->tokensPerSecond;
    return 0.0;
}
double TelemetrySeries::hitRate() const {
    return window_.empty() || !window_.back().hasExpertStats ? kNaN : window_.back().hitRate;
}
double TelemetrySeries::linkGBps() const {
    return window_.empty() ? 0.0 : window_.back().hostToDeviceBytesPerSecond / 1e9;
}
qint64 TelemetrySeries::cpuExperts() const {
    return window_.empty() ? 0 : qint64(window_.back().cpuExperts);
}
qint64 TelemetrySeries::generatedTokens() const {
    return window_.empty() ? 0 : qint64(window_.back().generatedTokens);
}
bool TelemetrySeries::hasFidelity() const {
    return !window_.empty() && window_.back().fidelity.has_value();
}
double TelemetrySeries::fidelity() const {
    return hasFidelity() ? *window_.back().fidelity : kNaN;
}

double TelemetrySeries::meanTokensPerSecond() const {
    double sum = 0;
    int n = 0;
    for (const auto& s : window_)
        if (s.tokensPerSecond > 0) sum += s.tokensPerSecond, ++n;
    return n ? sum / n : 0.0;
}

double TelemetrySeries::meanHitRate() const {
    double sum = 0;
    int n = 0;
    for (const auto& s : window_)
        if (s.hasExpertStats) sum += s.hitRate, ++n;
    return n ? sum / n : kNaN;
}

double TelemetrySeries::peakTokensPerSecond() const {
    double peak = 0;
    for (const auto& s : window_) peak = std::max(peak, s.tokensPerSecond);
    return peak;
}

} // namespace hoard::gui
