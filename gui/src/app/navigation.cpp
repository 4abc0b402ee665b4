#include "app/navigation.hpp"

#include <algorithm>

namespace hoard::gui {

void Navigation::setCurrent(int screen) {
    screen = std::clamp(screen, int(Models), int(Sessions));
    if (screen == current_) return;
    current_ = screen;
    emit currentChanged();
}

QStringList Navigation::screens() const {
    return {tr("Models"), tr("Budget"), tr("Chat"), tr("Dashboard"), tr("Sessions")};
}

QString Navigation::key(int screen) {
    static const char* const keys[] = {"models", "budget", "chat", "dashboard", "sessions"};
    return QString::fromLatin1(keys[std::clamp(screen, 0, 4)]);
}

} // namespace hoard::gui
