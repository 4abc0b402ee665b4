#include "app/render_setup.hpp"

#include <QGuiApplication>
#include <QQuickStyle>
#include <QQuickWindow>

namespace hoard::gui {

RenderSetup setUpRendering() {
    RenderSetup setup;
    const QString platform = QGuiApplication::platformName();
    setup.software = platform == QLatin1String("offscreen") ||
                     platform == QLatin1String("minimal") ||
                     qEnvironmentVariable("QT_QUICK_BACKEND") == QLatin1String("software");
    if (setup.software) QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE")) {
        setup.style = setup.software ? QStringLiteral("Fusion") : QStringLiteral("Material");
        QQuickStyle::setStyle(setup.style);
    } else {
        setup.style = QQuickStyle::name();
    }
    return setup;
}

} // namespace hoard::gui
