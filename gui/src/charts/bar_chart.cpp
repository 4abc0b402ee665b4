#include "charts/bar_chart.hpp"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

#include <cmath>

namespace hoard::gui {

BarChart::BarChart(QQuickItem* parent) : ChartItem(parent) {
    connect(this, &BarChart::dataChanged, this, [this] { update(); });
}

void BarChart::setValues(const QList<qreal>& values) {
    values_ = values;
    emit dataChanged();
}

void BarChart::paint(QPainter* painter) {
    QPainter& p = *painter;
    if (values_.isEmpty()) {
        drawEmpty(p);
        return;
    }
    const double maximum = max_value_ > 0 ? max_value_ : 1.0;
    const QRectF plot = plotRect(40.0, true);
    drawValueGrid(p, plot, maximum, [this](double v) {
        return percent_ ? QString::number(v * 100, 'f', 0) + QLatin1Char('%')
                        : QString::number(v, 'g', 3);
    });
    const int n = int(values_.size());
    const double slot = plot.width() / n;
    const double gap = std::min(slot * 0.25, 6.0);
    p.setPen(Qt::NoPen);
    for (int i = 0; i < n; ++i) {
        const double v = values_[i];
        if (!std::isfinite(v)) continue;
        const double h = plot.height() * std::clamp(v / maximum, 0.0, 1.0);
        // Few bars stay slim, centred in their slots.
        const double w = std::min(slot - gap, 44.0);
        const QRectF bar(plot.left() + i * slot + (slot - w) / 2, plot.bottom() - h, w, h);
        QPainterPath path;
        const double radius = std::min(3.0, bar.width() / 2);
        path.addRoundedRect(bar.adjusted(0, 0, 0, radius), radius, radius);
        p.save();
        p.setClipRect(QRectF(plot.left(), plot.top(), plot.width(), plot.height()));
        const double t = std::clamp(v / maximum, 0.0, 1.0);
        p.fillPath(path, t < 0.5 ? mix(low_color_, mid_color_, t * 2)
                                 : mix(mid_color_, high_color_, (t - 0.5) * 2));
        p.restore();
    }
    // Layer numbers under the bars when they fit.
    p.setPen(textColor());
    p.setFont(labelFont());
    const int every = std::max(1, int(std::ceil(22.0 / std::max(slot, 1.0))));
    for (int i = 0; i < n; i += every)
        p.drawText(QRectF(plot.left() + i * slot, plot.bottom() + 2, slot, 14),
                   Qt::AlignHCenter | Qt::AlignVCenter, QString::number(i));
}

} // namespace hoard::gui
