#include "charts/line_chart.hpp"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace hoard::gui {

LineChart::LineChart(QQuickItem* parent) : ChartItem(parent) {
    connect(this, &LineChart::dataChanged, this, [this] { update(); });
}

void LineChart::setValues(const QList<qreal>& values) {
    values_ = values;
    emit dataChanged();
}

void LineChart::setCompareValues(const QList<qreal>& values) {
    compare_ = values;
    emit dataChanged();
}

double LineChart::axisMaximum() const {
    if (max_value_ > 0) return max_value_;
    double peak = 0;
    for (double v : values_)
        if (std::isfinite(v)) peak = std::max(peak, v);
    for (double v : compare_)
        if (std::isfinite(v)) peak = std::max(peak, v);
    return niceMaximum(peak * 1.1);
}

void LineChart::drawSeries(QPainter& p, const QRectF& plot, const QList<qreal>& values,
                           double maximum, const QColor& color, bool fill) const {
    const int n_slots = std::max<int>(capacity_, int(values.size()));
    if (values.isEmpty() || n_slots < 2) return;
    const int offset = n_slots - int(values.size());
    auto point = [&](int i) {
        const double x = plot.left() + plot.width() * double(offset + i) / double(n_slots - 1);
        const double y = plot.bottom() - plot.height() * std::clamp(values[i] / maximum, 0.0, 1.0);
        return QPointF(x, y);
    };
    // Gaps (NaN) break the line into runs, each with its own filled area.
    QPainterPath line, area;
    QList<QPainterPath> areas;
    bool open = false;
    QPointF first, last;
    auto close_run = [&] {
        if (!open) return;
        area.lineTo(last.x(), plot.bottom());
        area.lineTo(first.x(), plot.bottom());
        areas.append(area);
        open = false;
    };
    for (int i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            close_run();
            continue;
        }
        const QPointF pt = point(i);
        if (!open) {
            line.moveTo(pt);
            area = QPainterPath(QPointF(pt.x(), plot.bottom()));
            area.lineTo(pt);
            first = pt;
            open = true;
        } else {
            line.lineTo(pt);
            area.lineTo(pt);
        }
        last = pt;
    }
    close_run();
    if (fill) {
        QLinearGradient gradient(plot.topLeft(), plot.bottomLeft());
        QColor top = color;
        top.setAlphaF(0.35f);
        QColor bottom = color;
        bottom.setAlphaF(0.02f);
        gradient.setColorAt(0, top);
        gradient.setColorAt(1, bottom);
        for (const auto& a : areas) p.fillPath(a, gradient);
    }
    p.setPen(QPen(color, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(line);
}

void LineChart::paint(QPainter* painter) {
    QPainter& p = *painter;
    if (values_.isEmpty() && compare_.isEmpty()) {
        drawEmpty(p);
        return;
    }
    const double maximum = axisMaximum();
    // Enough decimals that every grid line (a quarter of the axis) reads exactly.
    const double step = maximum / 4.0;
    int decimals = 0;
    while (decimals < 3 && std::abs(step * std::pow(10.0, decimals) -
                                    std::round(step * std::pow(10.0, decimals))) > 1e-6)
        ++decimals;
    const auto label = [this, decimals](double v) {
        return QString::number(v, 'f', decimals) + unit_;
    };
    const QRectF plot = plotRect(axisMargin(maximum, label));
    drawValueGrid(p, plot, maximum, label);
    p.setRenderHint(QPainter::Antialiasing, true);
    drawSeries(p, plot, compare_, maximum, compare_color_, false);
    drawSeries(p, plot, values_, maximum, line_color_, true);
    drawTimeLabels(p, plot);
}

} // namespace hoard::gui
