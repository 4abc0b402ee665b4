#include "charts/heatmap_chart.hpp"

#include <QPainter>

#include <cmath>

namespace hoard::gui {

HeatmapChart::HeatmapChart(QQuickItem* parent) : ChartItem(parent) {
    connect(this, &HeatmapChart::dataChanged, this, [this] { update(); });
    setAntialiasing(false); // crisp cell edges
}

void HeatmapChart::setValues(const QList<qreal>& values) {
    values_ = values;
    emit dataChanged();
}

void HeatmapChart::setRows(int rows) {
    rows = std::max(rows, 0);
    if (rows == rows_) return;
    rows_ = rows;
    emit dataChanged();
}

void HeatmapChart::setColumns(int columns) {
    columns = std::max(columns, 0);
    if (columns == columns_) return;
    columns_ = columns;
    emit dataChanged();
}

QColor HeatmapChart::colorFor(double value) const {
    if (!std::isfinite(value)) return empty_color_;
    value = std::clamp(value, 0.0, 1.0);
    return value < 0.5 ? mix(low_color_, mid_color_, value * 2.0)
                       : mix(mid_color_, high_color_, (value - 0.5) * 2.0);
}

void HeatmapChart::paint(QPainter* painter) {
    QPainter& p = *painter;
    if (rows_ <= 0 || columns_ <= 0 || values_.size() < qsizetype(rows_) * columns_) {
        drawEmpty(p);
        return;
    }
    const QRectF plot = plotRect(34.0);
    const double cw = plot.width() / columns_;
    const double ch = plot.height() / rows_;
    // Unknown cells are the background; known ones are drawn over it, each
    // overlapping the next by a fraction of a pixel so no seams show.
    p.fillRect(plot, empty_color_);
    for (int r = 0; r < rows_; ++r) {
        for (int c = 0; c < columns_; ++c) {
            const double v = values_[qsizetype(r) * columns_ + c];
            if (!std::isfinite(v)) continue;
            const QRectF cell(plot.left() + c * cw, plot.top() + r * ch, cw + 0.5, ch + 0.5);
            p.fillRect(cell.intersected(plot), colorFor(v));
        }
    }
    // Layer labels: as many as fit without overlapping.
    p.setFont(labelFont());
    p.setPen(textColor());
    const int every = std::max(1, int(std::ceil(14.0 / std::max(ch, 1.0))));
    for (int r = 0; r < rows_; r += every)
        p.drawText(QRectF(0, plot.top() + r * ch, plot.left() - 6, std::max(ch, 14.0)),
                   Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("L%1").arg(r));
    drawTimeLabels(p, plot);
}

} // namespace hoard::gui
