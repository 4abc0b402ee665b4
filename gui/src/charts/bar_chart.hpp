#pragma once
// One vertical bar per value (per layer), on a 0..maxValue axis; each bar is
// coloured along the low → high ramp by its value.
#include "charts/chart_item.hpp"

#include <QList>

namespace hoard::gui {

class BarChart : public ChartItem {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QList<qreal> values READ values WRITE setValues NOTIFY dataChanged)
    Q_PROPERTY(double maxValue MEMBER max_value_ NOTIFY dataChanged)
    Q_PROPERTY(bool percent MEMBER percent_ NOTIFY dataChanged) // axis labels as percentages
    Q_PROPERTY(QColor lowColor MEMBER low_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor midColor MEMBER mid_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor highColor MEMBER high_color_ NOTIFY styleChanged)

  public:
    explicit BarChart(QQuickItem* parent = nullptr);

    QList<qreal> values() const { return values_; }
    void setValues(const QList<qreal>& values);
    void paint(QPainter* painter) override;

  signals:
    void dataChanged();

  private:
    QList<qreal> values_;
    double max_value_ = 1.0;
    bool percent_ = true;
    QColor low_color_{214, 69, 80}, mid_color_{242, 180, 65}, high_color_{64, 186, 132};
};

} // namespace hoard::gui
