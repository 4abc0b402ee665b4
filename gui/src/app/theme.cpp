#include "app/theme.hpp"

#include <algorithm>

namespace hoard::gui {

Theme::Theme(bool dark, QObject* parent)
    : QObject(parent), dark_(dark), p_(dark ? darkPalette() : lightPalette()) {}

void Theme::setDark(bool dark) {
    if (dark == dark_) return;
    dark_ = dark;
    p_ = dark ? darkPalette() : lightPalette();
    emit changed();
}

QColor Theme::alpha(const QColor& color, double alpha) const {
    QColor c = color;
    c.setAlphaF(float(std::clamp(alpha, 0.0, 1.0)));
    return c;
}

Theme::Palette Theme::darkPalette() {
    Palette p;
    p.background = QColor("#111318");
    p.surface = QColor("#181b22");
    p.surfaceRaised = QColor("#20242d");
    p.border = QColor("#2b303b");
    p.text = QColor("#e8eaf0");
    p.textMuted = QColor("#9198a6");
    p.accent = QColor("#7b93ff");
    p.accentSoft = QColor("#242c4a");
    p.onAccent = QColor("#0d1020");
    p.danger = QColor("#f06371");
    p.dangerSoft = QColor("#3a1f25");
    p.warning = QColor("#f2b441");
    p.success = QColor("#45c08a");
    p.userBubble = QColor("#263154");
    p.chartGrid = QColor(255, 255, 255, 22);
    p.chartText = QColor("#8a91a0");
    p.high = QColor("#6f8dff");
    p.low = QColor("#b08cff");
    p.cpu = QColor("#f29f52");
    p.skip = QColor("#5c6270");
    p.link = QColor("#35c6b4");
    p.speed = QColor("#7b93ff");
    p.heatLow = QColor("#d9485a");
    p.heatMid = QColor("#f0b043");
    p.heatHigh = QColor("#3fbf86");
    p.heatEmpty = QColor(255, 255, 255, 12);
    p.shared = QColor("#5d6b8a");
    p.kv = QColor("#35c6b4");
    p.workspace = QColor("#8a7a5c");
    p.headroom = QColor(255, 255, 255, 18);
    return p;
}

Theme::Palette Theme::lightPalette() {
    Palette p;
    p.background = QColor("#f3f4f8");
    p.surface = QColor("#ffffff");
    p.surfaceRaised = QColor("#eef0f5");
    p.border = QColor("#dfe2ea");
    p.text = QColor("#1a1e27");
    p.textMuted = QColor("#5f6776");
    p.accent = QColor("#3c5ce6");
    p.accentSoft = QColor("#e3e9ff");
    p.onAccent = QColor("#ffffff");
    p.danger = QColor("#cf3345");
    p.dangerSoft = QColor("#fde8ea");
    p.warning = QColor("#b97a06");
    p.success = QColor("#1f9a63");
    p.userBubble = QColor("#e3e9ff");
    p.chartGrid = QColor(0, 0, 0, 20);
    p.chartText = QColor("#6b7280");
    p.high = QColor("#3c5ce6");
    p.low = QColor("#8f63e8");
    p.cpu = QColor("#e5822b");
    p.skip = QColor("#a4aab6");
    p.link = QColor("#159f8e");
    p.speed = QColor("#3c5ce6");
    p.heatLow = QColor("#d9485a");
    p.heatMid = QColor("#efb23f");
    p.heatHigh = QColor("#2fae73");
    p.heatEmpty = QColor(0, 0, 0, 12);
    p.shared = QColor("#7d8aa6");
    p.kv = QColor("#1fb3a1");
    p.workspace = QColor("#b49b6a");
    p.headroom = QColor(0, 0, 0, 16);
    return p;
}

} // namespace hoard::gui
