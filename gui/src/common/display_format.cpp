#include "common/display_format.hpp"

#include <cmath>

namespace hoard::gui {
namespace {

QString scaled(double value, const char* const* units, int n_units, double step) {
    int unit = 0;
    while (unit + 1 < n_units && std::fabs(value) >= step) {
        value /= step;
        ++unit;
    }
    const int decimals =
        unit == 0 ? 0 : (std::fabs(value) < 10 ? 2 : (std::fabs(value) < 100 ? 1 : 0));
    if (unit == 0) return QString::number(qint64(std::llround(value))) + units[0];
    return QString::number(value, 'f', decimals) + units[unit];
}

} // namespace

QString formatBytes(uint64_t bytes) {
    static const char* const units[] = {" B", " KB", " MB", " GB", " TB"};
    return scaled(double(bytes), units, 5, 1000.0);
}

QString formatCount(uint64_t count) {
    static const char* const units[] = {"", " K", " M", " B", " T"};
    return scaled(double(count), units, 5, 1000.0);
}

QString formatPercent(double fraction, int decimals) {
    if (!std::isfinite(fraction)) return QStringLiteral("–");
    return QString::number(fraction * 100.0, 'f', decimals) + QLatin1Char('%');
}

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
    if (seconds < 1.0) return QString::number(qint64(std::llround(seconds * 1000))) + " ms";
    if (seconds < 60.0) return QString::number(seconds, 'f', 1) + " s";
    const auto total = qint64(std::llround(seconds));
    return QString::number(total / 60) + " min " + QString::number(total % 60) + " s";
}

} // namespace hoard::gui
