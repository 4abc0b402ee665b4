// Qt Quick Test suite for the app's QML components: runs every tst_*.qml in
// this folder with the Hoard module and a `fixtures` object (a theme, an
// error queue, a telemetry window filled with synthetic snapshots).
#include "app/error_queue.hpp"
#include "app/render_setup.hpp"
#include "app/theme.hpp"
#include "telemetry/synthetic_telemetry.hpp"
#include "telemetry/telemetry_series.hpp"

#include <QQmlContext>
#include <QQmlEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(HoardPlugin)

class Fixtures : public QObject {
    Q_OBJECT
    Q_PROPERTY(hoard::gui::Theme* theme READ theme CONSTANT)
    Q_PROPERTY(hoard::gui::ErrorQueue* errors READ errors CONSTANT)
    Q_PROPERTY(hoard::gui::TelemetrySeries* series READ series CONSTANT)

  public:
    Fixtures() { series_.assign(hoard::gui::syntheticRun(60, 6)); }
    hoard::gui::Theme* theme() { return &theme_; }
    hoard::gui::ErrorQueue* errors() { return &errors_; }
    hoard::gui::TelemetrySeries* series() { return &series_; }

  private:
    hoard::gui::Theme theme_{false};
    hoard::gui::ErrorQueue errors_;
    hoard::gui::TelemetrySeries series_{60};
};

class Setup : public QObject {
    Q_OBJECT

  public slots:
    void applicationAvailable() {
        hoard::gui::setUpRendering(); // as the app does
    }
    void qmlEngineAvailable(QQmlEngine* engine) {
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
        engine->rootContext()->setContextProperty(QStringLiteral("fixtures"), &fixtures_);
    }

  private:
    Fixtures fixtures_;
};

QUICK_TEST_MAIN_WITH_SETUP(gui_qml, Setup)
#include "main.moc"
