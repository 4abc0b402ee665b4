#pragma once
// What every chart shares: grid and text colours, the plot area inside the
// axis margins, value-to-colour ramps and "nice" axis maxima. Charts are
// painted items (QPainter into a texture at the window's pixel ratio), fed by
// plain value lists from the controllers.
#include <QColor>
#include <QQuickPaintedItem>
#include <QtQml/qqmlregistration.h>

#include <functional>

class QPainter;

namespace hoard::gui {

class ChartItem : public QQuickPaintedItem {
    Q_OBJECT
    QML_ANONYMOUS
    Q_PROPERTY(QColor gridColor READ gridColor WRITE setGridColor NOTIFY styleChanged)
    Q_PROPERTY(QColor textColor READ textColor WRITE setTextColor NOTIFY styleChanged)
    // Under the plot, left and right (e.g. "15 s ago", "now").
    Q_PROPERTY(QString startLabel READ startLabel WRITE setStartLabel NOTIFY styleChanged)
    Q_PROPERTY(QString endLabel READ endLabel WRITE setEndLabel NOTIFY styleChanged)
    Q_PROPERTY(QString emptyText READ emptyText WRITE setEmptyText NOTIFY styleChanged)

  public:
    explicit ChartItem(QQuickItem* parent = nullptr);

    QColor gridColor() const { return grid_color_; }
    void setGridColor(const QColor& c);
    QColor textColor() const { return text_color_; }
    void setTextColor(const QColor& c);
    QString startLabel() const { return start_label_; }
    void setStartLabel(const QString& s);
    QString endLabel() const { return end_label_; }
    void setEndLabel(const QString& s);
    QString emptyText() const { return empty_text_; }
    void setEmptyText(const QString& s);

    // A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10^n).
    static double niceMaximum(double value);
    // Linear blend of a and b, t in [0, 1].
    static QColor mix(const QColor& a, const QColor& b, double t);

  signals:
    void styleChanged();

  protected:
    // The plot area after the left axis labels and, when there are any (or
    // `bottomLabels`), a row of labels underneath.
    QRectF plotRect(double leftMargin, bool bottomLabels = false) const;
    QFont labelFont() const;
    // Room the value labels need on the left (their widest, plus a gap).
    double axisMargin(double maximum, const std::function<QString(double)>& format) const;
    // Horizontal grid lines at 0, 1/4 ... 1 of `maximum`, labelled with `format`.
    void drawValueGrid(QPainter& p, const QRectF& plot, double maximum,
                       const std::function<QString(double)>& format) const;
    void drawTimeLabels(QPainter& p, const QRectF& plot) const;
    void drawEmpty(QPainter& p) const;

  private:
    QColor grid_color_{128, 128, 128, 60};
    QColor text_color_{128, 128, 128};
    QString start_label_, end_label_, empty_text_;
};

} // namespace hoard::gui
