#pragma once
// A value over time, newest on the right, with a soft fill under the line; an
// optional second series (compareValues) for the Sessions screen's comparison.
// With `capacity` set, the x axis has that many slots and a short series hugs
// the right edge (a live chart scrolls in from the right).
#include "charts/chart_item.hpp"

#include <QList>

namespace hoard::gui {

class LineChart : public ChartItem {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QList<qreal> values READ values WRITE setValues NOTIFY dataChanged)
    Q_PROPERTY(
        QList<qreal> compareValues READ compareValues WRITE setCompareValues NOTIFY dataChanged)
    Q_PROPERTY(int capacity MEMBER capacity_ NOTIFY dataChanged)
    Q_PROPERTY(double maxValue MEMBER max_value_ NOTIFY dataChanged) // 0: from the data
    Q_PROPERTY(QString unit MEMBER unit_ NOTIFY dataChanged)         // after axis values
    Q_PROPERTY(QColor lineColor MEMBER line_color_ NOTIFY styleChanged)
    Q_PROPERTY(QColor compareColor MEMBER compare_color_ NOTIFY styleChanged)
    Q_PROPERTY(double axisMaximum READ axisMaximum NOTIFY dataChanged)

  public:
    explicit LineChart(QQuickItem* parent = nullptr);

    QList<qreal> values() const { return values_; }
    void setValues(const QList<qreal>& values);
    QList<qreal> compareValues() const { return compare_; }
    void setCompareValues(const QList<qreal>& values);
    // The top of the value axis now.
    double axisMaximum() const;
    void paint(QPainter* painter) override;

  signals:
    void dataChanged();

  private:
    void drawSeries(QPainter& p, const QRectF& plot, const QList<qreal>& values, double maximum,
                    const QColor& color, bool fill) const;

    QList<qreal> values_, compare_;
    int capacity_ = 0;
    double max_value_ = 0;
    QString unit_;
    QColor line_color_{86, 132, 246}, compare_color_{236, 143, 64};
};

} // namespace hoard::gui
