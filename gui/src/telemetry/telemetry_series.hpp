#pragma once
// A window of telemetry snapshots laid out for the charts: the layers × time
// heatmap, current per-layer hit rates, the stacked precision mix, link
// traffic and speed over time. The live dashboard and a recorded session in
// the Sessions screen are both one of these.
#include "telemetry/telemetry_snapshot.hpp"

#include <QList>
#include <QObject>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

#include <deque>
#include <vector>

namespace hoard::gui {

class TelemetrySeries : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by the dashboard and the sessions browser")
    Q_PROPERTY(int capacity READ capacity CONSTANT)
    // True: a live window of `capacity` slots that fills from the right;
    // false: a recording, drawn across the whole width.
    Q_PROPERTY(bool fixedWindow READ fixedWindow CONSTANT)
    Q_PROPERTY(int heatmapColumns READ heatmapColumns NOTIFY changed)
    Q_PROPERTY(int length READ length NOTIFY changed)
    Q_PROPERTY(int layers READ layers NOTIFY changed)
    Q_PROPERTY(bool hasExpertStats READ hasExpertStats NOTIFY changed)
    // Row-major layers × heatmapColumns hit rates, oldest column first; NaN where
    // nothing is known (before the first snapshot, or a layer with no selections).
    Q_PROPERTY(QList<qreal> heatmap READ heatmap NOTIFY changed)
    Q_PROPERTY(QList<qreal> layerHitRates READ layerHitRates NOTIFY changed)
    // Over time (one value per snapshot, oldest first).
    Q_PROPERTY(QList<qreal> tokensPerSecondSeries READ tokensPerSecondSeries NOTIFY changed)
    Q_PROPERTY(QList<qreal> hitRateSeries READ hitRateSeries NOTIFY changed)
    Q_PROPERTY(QList<qreal> linkSeries READ linkSeries NOTIFY changed)       // GB/s host → device
    Q_PROPERTY(QList<qreal> storageSeries READ storageSeries NOTIFY changed) // GB/s storage → host
    Q_PROPERTY(QList<qreal> cpuExpertSeries READ cpuExpertSeries NOTIFY changed)
    // Stacked precision mix: [high, low, cpu, skip], each a series of fractions.
    Q_PROPERTY(QVariantList precisionSeries READ precisionSeries NOTIFY changed)
    // Latest values.
    Q_PROPERTY(double tokensPerSecond READ tokensPerSecond NOTIFY changed)
    Q_PROPERTY(double hitRate READ hitRate NOTIFY changed)
    Q_PROPERTY(double linkGBps READ linkGBps NOTIFY changed)
    Q_PROPERTY(qint64 cpuExperts READ cpuExperts NOTIFY changed)
    Q_PROPERTY(qint64 generatedTokens READ generatedTokens NOTIFY changed)
    Q_PROPERTY(bool hasFidelity READ hasFidelity NOTIFY changed)
    Q_PROPERTY(double fidelity READ fidelity NOTIFY changed)
    // Averages over the window (what the Sessions screen compares).
    Q_PROPERTY(double meanTokensPerSecond READ meanTokensPerSecond NOTIFY changed)
    Q_PROPERTY(double meanHitRate READ meanHitRate NOTIFY changed)
    Q_PROPERTY(double peakTokensPerSecond READ peakTokensPerSecond NOTIFY changed)

  public:
    explicit TelemetrySeries(int capacity = 150, bool fixedWindow = true,
                             QObject* parent = nullptr);

    void append(const TelemetrySnapshot& snapshot);
    // Replaces the window with `snapshots`, thinned evenly to `capacity`.
    void assign(const std::vector<TelemetrySnapshot>& snapshots);
    Q_INVOKABLE void clear();

    int capacity() const { return capacity_; }
    bool fixedWindow() const { return fixed_window_; }
    int heatmapColumns() const { return fixed_window_ ? capacity_ : length(); }
    int length() const { return int(window_.size()); }
    int layers() const { return layers_; }
    bool hasExpertStats() const;
    QList<qreal> heatmap() const;
    QList<qreal> layerHitRates() const;
    QList<qreal> tokensPerSecondSeries() const;
    QList<qreal> hitRateSeries() const;
    QList<qreal> linkSeries() const;
    QList<qreal> storageSeries() const;
    QList<qreal> cpuExpertSeries() const;
    QVariantList precisionSeries() const;
    double tokensPerSecond() const;
    double hitRate() const;
    double linkGBps() const;
    qint64 cpuExperts() const;
    qint64 generatedTokens() const;
    bool hasFidelity() const;
    double fidelity() const;
    double meanTokensPerSecond() const;
    double meanHitRate() const;
    double peakTokensPerSecond() const;
    const std::deque<TelemetrySnapshot>& window() const { return window_; }

  signals:
    void changed();

  private:
    template <typename F> QList<qreal> series(F value) const;
    void push(const TelemetrySnapshot& snapshot);

    int capacity_;
    bool fixed_window_;
    int layers_ = 0;
    std::deque<TelemetrySnapshot> window_;
};

} // namespace hoard::gui
