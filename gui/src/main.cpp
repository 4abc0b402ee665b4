// hoard-desktop: the Qt Quick app. Builds the AppContext, hands it to the QML
// root as its `app` property, and optionally runs the chat self-test.
#include "app/app_context.hpp"
#include "app/render_setup.hpp"
#include "app/self_test.hpp"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QQuickWindow>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(HoardPlugin)

int main(int argc, char* argv[]) {
    // Desktop density for the Material style, unless the user chose otherwise.
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_MATERIAL_VARIANT"))
        qputenv("QT_QUICK_CONTROLS_MATERIAL_VARIANT", "Dense");
    QGuiApplication app(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Hoard"));
    QGuiApplication::setApplicationName(QStringLiteral("Hoard"));
    QGuiApplication::setApplicationVersion(QStringLiteral(HOARD_VERSION_STRING));
    hoard::gui::setUpRendering();

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Hoard: run Mixture-of-Experts models locally."));
    cli.addHelpOption();
    cli.addVersionOption();
    const QCommandLineOption model({QStringLiteral("m"), QStringLiteral("model")},
                                   QStringLiteral("Open and load this GGUF model."),
                                   QStringLiteral("file"));
    const QCommandLineOption folder(QStringLiteral("models-dir"),
                                    QStringLiteral("Scan this folder for models (repeatable)."),
                                    QStringLiteral("folder"));
    const QCommandLineOption noLoad(QStringLiteral("no-load"),
                                    QStringLiteral("Do not load the preselected model at start."));
    const QCommandLineOption offload(
        QStringLiteral("offload-budget"),
        QStringLiteral("Load the model with its experts offloaded under this device memory "
                       "budget, e.g. 8G or 60MiB (a simulated device without a GPU)."),
        QStringLiteral("size"));
    const QCommandLineOption profileDb(
        QStringLiteral("profile-db"),
        QStringLiteral("Keep sessions and conversations in this database (default: "
                       "$HOARD_DATA_DIR/hoard.db, else ~/.local/share/hoard/hoard.db)."),
        QStringLiteral("file"));
    const QCommandLineOption light(QStringLiteral("light"), QStringLiteral("Use the light theme."));
    const QCommandLineOption dark(QStringLiteral("dark"), QStringLiteral("Use the dark theme."));
    const QCommandLineOption settings(QStringLiteral("settings"),
                                      QStringLiteral("Keep settings in this INI file."),
                                      QStringLiteral("file"));
    const QCommandLineOption selfTest(
        QStringLiteral("self-test-chat"),
        QStringLiteral("Send this message once the model is loaded, print the reply and quit "
                       "(exit code 0 when a reply arrived)."),
        QStringLiteral("message"));
    const QCommandLineOption screenshots(
        QStringLiteral("screenshots"),
        QStringLiteral("With --self-test-chat: save a PNG of every screen into this folder."),
        QStringLiteral("folder"));
    const QCommandLineOption timeout(
        QStringLiteral("self-test-timeout"),
        QStringLiteral("Seconds the self-test may take (default 300)."), QStringLiteral("seconds"),
        QStringLiteral("300"));
    cli.addOptions({model, folder, noLoad, offload, profileDb, light, dark, settings, selfTest,
                    screenshots, timeout});
    cli.process(app);

    hoard::gui::AppOptions options;
    options.defaultModelPath = hoard::gui::findBundledModel(QCoreApplication::applicationDirPath());
    options.modelFolders = cli.values(folder);
    if (options.modelFolders.isEmpty()) options.modelFolders = hoard::gui::defaultModelFolders();
    options.initialModel = cli.value(model);
    options.autoLoad = !cli.isSet(noLoad);
    options.settingsFile = cli.value(settings);
    options.profileDatabase = cli.value(profileDb);
    if (cli.isSet(offload)) {
        try {
            options.offloadBudgetBytes = hoard::parse_memory_size(cli.value(offload).toStdString());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "hoard-desktop: --offload-budget: %s\n", e.what());
            return 2;
        }
    }
    if (cli.isSet(light)) options.dark = false;
    if (cli.isSet(dark)) options.dark = true;

    hoard::gui::AppContext context(options);
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&context)}});
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Hoard/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        std::fprintf(stderr, "hoard-desktop: the user interface failed to load\n");
        return 1;
    }

    std::unique_ptr<hoard::gui::SelfTest> test;
    if (cli.isSet(selfTest)) {
        auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        if (!window) return 1;
        test = std::make_unique<hoard::gui::SelfTest>(context, *window, cli.value(selfTest),
                                                      cli.value(screenshots),
                                                      cli.value(timeout).toInt());
        QObject::connect(test.get(), &hoard::gui::SelfTest::finished, &app,
                         [](int code) { QCoreApplication::exit(code); });
        test->start();
    }
    return app.exec();
}
