#include "charts/stacked_area_chart.hpp"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace hoard::gui {

StackedAreaChart::StackedAreaChart(QQuickItem* parent) : ChartItem(parent) {
    connect(this, &StackedAreaChart::dataChanged, this, [this] { update(); });
}

void StackedAreaChart::setSeries(const QVariantList& series) {
    series_ = series;
    values_.clear();
    for (const QVariant& s : series) {
        QList<qreal> numbers;
        for (const QVariant& v : s.toList()) numbers.append(v.toDouble());
        values_.append(numbers);
    }
    emit dataChanged();
}

void StackedAreaChart::setColors(const QList<QColor>& colors) {
    colors_ = colors;
    emit styleChanged();
}

void StackedAreaChart::paint(QPainter* painter) {
    QPainter& p = *painter;
    qsizetype n = values_.isEmpty() ? 0 : values_.first().size();
    for (const auto& s : values_) n = std::min(n, s.size());
    if (n == 0) {
        drawEmpty(p);
        return;
    }
    const QRectF plot = plotRect(40.0);
    drawValueGrid(p, plot, 1.0, [](double v) { return QString::number(v * 100, 'f', 0) + '%'; });
    const int n_slots = std::max<int>(capacity_, int(n));
    const int offset = n_slots - int(n);
    auto x_of = [&](qsizetype i) {
        return plot.left() + plot.width() * double(offset + i) / double(std::max(n_slots - 1, 1));
    };
    std::vector<double> below(size_t(n), 0.0);
    p.setPen(Qt::NoPen);
    for (qsizetype s = 0; s < values_.size(); ++s) {
        std::vector<double> above(static_cast<size_t>(n), 0.0);
        for (qsizetype i = 0; i < n; ++i) {
            const double v = values_[s][i];
            above[size_t(i)] =
                std::min(1.0, below[size_t(i)] + (std::isfinite(v) ? std::max(v, 0.0) : 0.0));
        }
        QPainterPath band;
        auto y_of = [&](double v) { return plot.bottom() - plot.height() * v; };
        band.moveTo(x_of(0), y_of(above[0]));
        for (qsizetype i = 1; i < n; ++i) band.lineTo(x_of(i), y_of(above[size_t(i)]));
        for (qsizetype i = n - 1; i >= 0; --i) band.lineTo(x_of(i), y_of(below[size_t(i)]));
        band.closeSubpath();
        const QColor color = s < colors_.size() ? colors_[s] : QColor(128, 128, 128);
        p.fillPath(band, color);
        below = std::move(above);
    }
    drawTimeLabels(p, plot);
}

} // namespace hoard::gui
