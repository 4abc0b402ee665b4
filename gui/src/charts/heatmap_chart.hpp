#pragma once
// Layers × time: one row per layer (layer 0 on top), one column per snapshot,
// each cell coloured by its expert cache hit rate (lowColor at 0, midColor at
// 0.5, highColor at 1, emptyColor where nothing is known).
#include "charts/chart_item.hpp"

#include <QList>

namespace hoard::gui {

class HeatmapChart : public ChartItem {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QList<qreal> values READ values WRITE setValues NOTIFY dataChanged)
    Q_PROPERTY(int rows READ rows WRITE setRows NOTIFY dataChanged)
    Q_PROPERTY(int columns READ columns WRITE setColumns NOTIFY dataChanged)
    Q_PROPERTY(QColor lowColor MEMBER low_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor midColor MEMBER mid_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor highColor MEMBER high_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor emptyColor MEMBER empty_color_ NOTIFY styleChanged)

  public:
    explicit HeatmapChart(QQuickItem* parent = nullptr);

    QList<qreal> values() const { return values_; }
    void setValues(const QList<qreal>& values);
    int rows() const { return rows_; }
    void setRows(int rows);
    int columns() const { return columns_; }
    void setColumns(int columns);

    // The colour a cell with this value gets (exposed for tests).
    Q_INVOKABLE QColor colorFor(double value) const;
    void paint(QPainter* painter) override;

  signals:
    void dataChanged();

  private:
    QList<qreal> values_;
    int rows_ = 0, columns_ = 0;
    QColor low_color_{214, 69, 80}, mid_color_{242, 180, 65}, high_color_{64, 186, 132};
    QColor empty_color_{128, 128, 128, 30};
};

} // namespace hoard::gui
