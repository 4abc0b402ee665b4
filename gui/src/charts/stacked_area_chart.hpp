#pragma once
// Shares that add up to one, over time: each series (a list of fractions, one
// per snapshot) stacked on the ones before it, in `colors` order. Used for the
// precision mix (high, low, CPU, skipped).
#include "charts/chart_item.hpp"

#include <QList>
#include <QVariantList>

namespace hoard::gui {

class StackedAreaChart : public ChartItem {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QVariantList series READ series WRITE setSeries NOTIFY dataChanged)
    Q_PROPERTY(QList<QColor> colors READ colors WRITE setColors NOTIFY styleChanged)
    Q_PROPERTY(int capacity MEMBER capacity_ NOTIFY dataChanged)

  public:
    explicit StackedAreaChart(QQuickItem* parent = nullptr);

    QVariantList series() const { return series_; }
    void setSeries(const QVariantList& series);
    QList<QColor> colors() const { return colors_; }
    void setColors(const QList<QColor>& colors);
    void paint(QPainter* painter) override;

  signals:
    void dataChanged();

  private:
    QVariantList series_;
    QList<QList<qreal>> values_; // series_ as numbers
    QList<QColor> colors_;
    int capacity_ = 0;
};

} // namespace hoard::gui
