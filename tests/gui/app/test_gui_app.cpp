// The whole window with every screen: built from an AppContext on the real
// engine (bundled model), with synthetic expert telemetry standing in for an
// offloading engine. Checks keyboard navigation, themes, that each screen
// lays out at 1280×720, and saves a screenshot of every screen in both themes
// under <build>/screenshots/showcase/.
#include "app/app_context.hpp"
#include "app/render_setup.hpp"
#include "app/self_test.hpp"
#include "budget/device_probe.hpp"
#include "gui/common/gui_test_support.hpp"
#include "hoard/tools.hpp"

#include <QDir>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

Q_IMPORT_QML_PLUGIN(HoardPlugin)

using namespace hoard::gui;

class AppTest : public QObject {
    Q_OBJECT

    QTemporaryDir settings_dir_;
    QTemporaryDir models_dir_;
    std::unique_ptr<AppContext> app_;
    std::unique_ptr<QQmlApplicationEngine> qml_;
    QQuickWindow* window_ = nullptr;
    const QString shots_ = QStringLiteral(HOARD_SCREENSHOT_DIR "/showcase");

    // Distinct colours in a coarse sample: a blank or half-drawn frame has few.
    static int colourCount(const QImage& image) {
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
        return int(colours.size());
    }

    QQuickItem* find(const char* name) {
        if (auto* item = window_->findChild<QQuickItem*>(name)) return item;
        return window_->contentItem()->findChild<QQuickItem*>(name);
    }

    // Whether `item` is on screen: visible, inside the window, not zero-sized.
    bool onScreen(QQuickItem* item) {
        if (!item || !item->isVisible() || item->width() <= 0 || item->height() <= 0) return false;
        const QRectF r = item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
        return r.left() >= -1 && r.top() >= -1 && r.right() <= window_->width() + 1 &&
               r.bottom() <= window_->height() + 1;
    }

    void shoot(const QString& name) {
        QTest::qWait(250); // a few frames for layouts and painted charts
        const QImage image = window_->grabWindow();
        QVERIFY(!image.isNull());
        QVERIFY2(colourCount(image) > 12, qPrintable(name + " looks blank"));
        QDir().mkpath(shots_);
        QVERIFY(image.save(shots_ + "/" + name + ".png"));
    }

  private slots:
    void initTestCase() {
        hoard::gui::test::useTestCacheDir(); // routing traces are recorded there
        qputenv("QT_QUICK_CONTROLS_MATERIAL_VARIANT", "Dense");
        setUpRendering(); // as the app does

        // A models folder as a user might have one: a second (smaller, 4-bit)
        // model, and a download that broke off.
        hoard::SyntheticModelOptions small;
        small.type = "q4_k_m";
        small.n_layer = 4;
        small.seed = 7;
        hoard::write_synthetic_model(small,
                                     models_dir_.filePath("tiny-moe-4bit.gguf").toStdString());
        QFile partial(models_dir_.filePath("mixtral-8x7b-instruct.Q4_K_M.gguf"));
        QVERIFY(partial.open(QIODevice::WriteOnly));
        QFile bundled(hoard::gui::test::bundledModelPath());
        QVERIFY(bundled.open(QIODevice::ReadOnly));
        partial.write(bundled.read(200000)); // the first 200 KB of a real model file
        partial.close();

        AppOptions options;
        options.defaultModelPath = hoard::gui::test::bundledModelPath();
        options.modelFolders = {models_dir_.path()};
        options.settingsFile = settings_dir_.filePath("hoard.ini");
        options.dark = true;
        options.profileDatabase = settings_dir_.filePath("profile.db");
        AppServices services;
        services.deviceProbe = std::make_shared<HostDeviceProbe>(false);
        app_ = std::make_unique<AppContext>(options, services);
        qml_ = std::make_unique<QQmlApplicationEngine>();
        qml_->addImportPath("qrc:/qt/qml");
        qml_->setInitialProperties({{"app", QVariant::fromValue(app_.get())}});
        qml_->load(QUrl("qrc:/qt/qml/Hoard/Main.qml"));
        QVERIFY(!qml_->rootObjects().isEmpty());
        window_ = qobject_cast<QQuickWindow*>(qml_->rootObjects().first());
        QVERIFY(window_);
        window_->requestActivate();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(app_->loader()->ready(), 60000);
    }

    void cleanupTestCase() {
        qml_.reset();
        app_.reset();
    }

    void opensWithTheBundledModelPreselected() {
        QCOMPARE(app_->preferredModelPath(),
                 QFileInfo(hoard::gui::test::bundledModelPath()).absoluteFilePath());
        QCOMPARE(app_->loader()->modelPath(), app_->preferredModelPath());
        QTRY_VERIFY(!app_->library()->busy());
        auto* list = find("modelList");
        QVERIFY(list);
        QTRY_COMPARE(list->property("currentIndex").toInt(),
                     app_->library()->indexOfPath(app_->preferredModelPath()));
        QVERIFY(onScreen(find("loadButton")));
        // The folder's models are listed, the broken one with the reason.
        QTRY_COMPARE(app_->library()->models()->rowCount(), 3);
        const auto* broken = app_->library()->models()->find(
            QFileInfo(models_dir_.filePath("mixtral-8x7b-instruct.Q4_K_M.gguf"))
                .absoluteFilePath());
        QVERIFY(broken);
        QCOMPARE(broken->state, ModelEntry::State::Unrunnable);
        QVERIFY(!broken->reason.isEmpty());
        const auto* small = app_->library()->models()->find(
            QFileInfo(models_dir_.filePath("tiny-moe-4bit.gguf")).absoluteFilePath());
        QVERIFY(small && small->state == ModelEntry::State::Ready);
        QCOMPARE(small->summary->n_layer, size_t(4));
    }

    void keyboardSwitchesScreens() {
        QVERIFY(QTest::qWaitForWindowActive(window_));
        auto* screens = find("screens");
        QVERIFY(screens);
        for (int screen : {2, 4, 1, 3, 0}) {
            QTest::keyClick(window_, Qt::Key(Qt::Key_1 + screen), Qt::ControlModifier);
            QTRY_COMPARE(app_->navigation()->current(), screen);
            QCOMPARE(screens->property("currentIndex").toInt(), screen);
        }
    }

    void chatScreenSendsAndShowsTheReply() {
        app_->navigation()->setCurrent(Navigation::Chat);
        app_->chat()->sampling()->setMaxTokens(48);
        auto* input = find("composerInput");
        QVERIFY(onScreen(input));
        QVERIFY(onScreen(find("sendButton")));
        QSignalSpy finished(app_->chat(), &ChatController::replyFinished);
        // Type the message and press Enter, as a user would.
        input->forceActiveFocus();
        QTRY_VERIFY(input->hasActiveFocus());
        for (char c : std::string("What do experts do?")) QTest::keyClick(window_, c);
        QCOMPARE(input->property("text").toString(), QString("What do experts do?"));
        QTest::keyClick(window_, Qt::Key_Return);
        QVERIFY(finished.wait(120000));
        QVERIFY(!finished[0][0].toString().isEmpty());
        QCOMPARE(input->property("text").toString(), QString());
        QCOMPARE(app_->chat()->messages()->rowCount(), 2);
        QTRY_VERIFY(onScreen(find("speedPill")));
    }

    void offloadedRepliesAreRecordedAndCharted() {
        // The planner's "Run with this budget": the model reloads offloaded on a
        // simulated device; two replies under two budgets, recorded in the
        // profiling store, then compared on the Sessions screen.
        QSignalSpy finished(app_->chat(), &ChatController::replyFinished);
        QSignalSpy loaded(app_->loader(), &ModelLoader::modelChanged);
        app_->chat()->sampling()->setMaxTokens(700);
        int replies = 0;
        for (qint64 budget : {qint64(56) << 20, qint64(96) << 20}) {
            app_->budget()->setContextTokens(2048);
            app_->budget()->setBudgetGB(double(budget) / 1e9);
            app_->navigation()->setCurrent(Navigation::Budget);
            auto* run = find("runWithBudget");
            QVERIFY(run && onScreen(run));
            QVERIFY(QMetaObject::invokeMethod(run, "clicked"));
            QVERIFY(loaded.wait(120000));
            QVERIFY(app_->loader()->offloaded());
            QCOMPARE(app_->loader()->offloadBudgetBytes(), budget);
            QVERIFY(
                app_->chat()->send(QStringLiteral("Tell a long story, take %1.").arg(++replies)));
            QVERIFY(finished.wait(180000));
        }
        QTRY_VERIFY(app_->archive()->sessions().size() >= 3); // the first chat's and these two
        const auto sessions = app_->archive()->sessions();
        QVERIFY(sessions[0].hasLayerStats && sessions[1].hasLayerStats);
        QCOMPARE(sessions[0].deviceBudgetBytes, uint64_t(96) << 20);
        app_->sessions()->open(sessions[0].id);
        app_->sessions()->compareWith(sessions[1].id);
        QVERIFY(app_->sessions()->selected()->hasExpertStats());
        QCOMPARE(app_->sessions()->selected()->layers(), 6);
        QCOMPARE(app_->sessions()->comparedId(), sessions[1].id);
        // The dashboard followed the last reply live; the planner shows what it measured.
        QVERIFY(app_->dashboard()->series()->hasExpertStats());
        QCOMPARE(app_->dashboard()->series()->layers(), 6);
        QVERIFY(app_->budget()->hasMeasurement());
        QVERIFY(!std::isnan(app_->budget()->measuredHitRate()));
        QVERIFY(!app_->budget()->measuredDeviceUse().isEmpty());
        // The session's export menu lists the store's formats.
        app_->navigation()->setCurrent(Navigation::Sessions);
        auto* exportButton = find("exportSession");
        QVERIFY(exportButton);
        QTRY_VERIFY(onScreen(exportButton));
        QVERIFY(QMetaObject::invokeMethod(exportButton, "clicked"));
        QTest::qWait(200);
        shoot("dark-export-menu");
        QTest::keyClick(window_, Qt::Key_Escape);
    }

    void everyScreenInBothThemes() {
        window_->resize(1280, 800);
        for (bool dark : {true, false}) {
            app_->theme()->setDark(dark);
            for (int screen = Navigation::Models; screen <= Navigation::Sessions; ++screen) {
                app_->navigation()->setCurrent(screen);
                shoot(QStringLiteral("%1-%2-%3")
                          .arg(dark ? "dark" : "light")
                          .arg(screen + 1)
                          .arg(Navigation::key(screen)));
            }
        }
        app_->theme()->setDark(true);
        // The theme choice is remembered.
        QSettings settings(settings_dir_.filePath("hoard.ini"), QSettings::IniFormat);
        QCOMPARE(settings.value("appearance/dark").toBool(), true);
    }

    void usableAt1280x720() {
        window_->resize(1280, 720);
        QTRY_COMPARE(window_->height(), 720);
        app_->navigation()->setCurrent(Navigation::Chat);
        QTest::qWait(100);
        QVERIFY(onScreen(find("composerInput")));
        QVERIFY(onScreen(find("messageList")));
        QVERIFY(onScreen(find("statusText")));
        shoot("small-3-chat");
        app_->navigation()->setCurrent(Navigation::Budget);
        QTest::qWait(100);
        QVERIFY(onScreen(find("budgetSlider")));
        QVERIFY(onScreen(find("predictedHitRate")));
        shoot("small-2-budget");
        app_->navigation()->setCurrent(Navigation::Models);
        QTest::qWait(100);
        QVERIFY(onScreen(find("loadButton")));
        app_->navigation()->setCurrent(Navigation::Dashboard);
        QTest::qWait(100);
        QVERIFY(onScreen(find("speedTile")));
        QVERIFY(onScreen(find("heatmap")));
        shoot("small-4-dashboard");
    }

    void fileDialogsOpen() {
        // The Models screen's Open file and Add folder dialogs (Qt Quick's own
        // implementation here: the offscreen platform has no native ones).
        app_->navigation()->setCurrent(Navigation::Models);
        for (const char* name : {"openModelDialog", "addFolderDialog"}) {
            QObject* dialog = window_->findChild<QObject*>(name);
            QVERIFY2(dialog, name);
            QVERIFY(QMetaObject::invokeMethod(dialog, "open"));
            QTRY_VERIFY2(dialog->property("visible").toBool(), name);
            if (QString(name) == "openModelDialog") shoot("dark-open-model-dialog");
            QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
            QTRY_VERIFY(!dialog->property("visible").toBool());
        }
    }

    void errorsReachTheBanner() {
        app_->library()->addPaths({"/nonexistent/model.gguf"});
        QTRY_COMPARE(app_->errors()->count(), 1);
        auto* text = find("errorText");
        QVERIFY(text && onScreen(text));
        QVERIFY(text->property("text").toString().contains("does not exist"));
        shoot("dark-error-banner");
        app_->errors()->dismiss();
        QTRY_VERIFY(!text->isVisible());
    }
};

QTEST_MAIN(AppTest)
#include "test_gui_app.moc"
