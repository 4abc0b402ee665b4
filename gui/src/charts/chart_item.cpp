#include "charts/chart_item.hpp"

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPainter>

#include <cmath>

namespace hoard::gui {

ChartItem::ChartItem(QQuickItem* parent) : QQuickPaintedItem(parent) {
    setAntialiasing(true);
    connect(this, &ChartItem::styleChanged, this, [this] { update(); });
}

void ChartItem::setGridColor(const QColor& c) {
    if (c == grid_color_) return;
    grid_color_ = c;
    emit styleChanged();
}
void ChartItem::setTextColor(const QColor& c) {
    if (c == text_color_) return;
    text_color_ = c;
    emit styleChanged();
}
void ChartItem::setStartLabel(const QString& s) {
    if (s == start_label_) return;
    start_label_ = s;
    emit styleChanged();
}
void ChartItem::setEndLabel(const QString& s) {
    if (s == end_label_) return;
    end_label_ = s;
    emit styleChanged();
}
void ChartItem::setEmptyText(const QString& s) {
    if (s == empty_text_) return;
    empty_text_ = s;
    emit styleChanged();
}

double ChartItem::niceMaximum(double value) {
    if (!std::isfinite(value) || value <= 0) return 1.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (value <= step * magnitude * (1 + 1e-9)) return step * magnitude;
    return 10.0 * magnitude;
}

QColor ChartItem::mix(const QColor& a, const QColor& b, double t) {
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t),
                            float(a.alphaF() + (b.alphaF() - a.alphaF()) * t));
}

QFont ChartItem::labelFont() const {
    QFont font = QGuiApplication::font();
    font.setPixelSize(11);
    return font;
}

QRectF ChartItem::plotRect(double leftMargin, bool bottomLabels) const {
    const bool time_labels = bottomLabels || !start_label_.isEmpty() || !end_label_.isEmpty();
    const double bottom = time_labels ? 18.0 : 4.0;
    return QRectF(leftMargin, 6.0, std::max(0.0, width() - leftMargin - 4.0),
                  std::max(0.0, height() - 6.0 - bottom));
}

double ChartItem::axisMargin(double maximum, const std::function<QString(double)>& format) const {
    const QFontMetricsF metrics(labelFont());
    double widest = 0;
    for (int i = 0; i <= 4; ++i)
        widest = std::max(widest, metrics.horizontalAdvance(format(maximum * i / 4.0)));
    return std::ceil(widest) + 10.0;
}

void ChartItem::drawValueGrid(QPainter& p, const QRectF& plot, double maximum,
                              const std::function<QString(double)>& format) const {
    p.setFont(labelFont());
    for (int i = 0; i <= 4; ++i) {
        const double y = plot.bottom() - plot.height() * i / 4.0;
        p.setPen(QPen(grid_color_, 1));
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.setPen(text_color_);
        p.drawText(QRectF(0, y - 8, plot.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter,
                   format(maximum * i / 4.0));
    }
}

void ChartItem::drawTimeLabels(QPainter& p, const QRectF& plot) const {
    p.setFont(labelFont());
    p.setPen(text_color_);
    const QRectF row(plot.left(), plot.bottom() + 3, plot.width(), 14);
    p.drawText(row, Qt::AlignLeft | Qt::AlignVCenter, start_label_);
    p.drawText(row, Qt::AlignRight | Qt::AlignVCenter, end_label_);
}

void ChartItem::drawEmpty(QPainter& p) const {
    if (empty_text_.isEmpty()) return;
    QFont font = labelFont();
    font.setPixelSize(13);
    p.setFont(font);
    p.setPen(text_color_);
    p.drawText(boundingRect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
               empty_text_);
}

} // namespace hoard::gui
