#include "app/self_test.hpp"

#include "app/app_context.hpp"

#include <QDir>
#include <QImage>
#include <QQuickWindow>
#include <QTextStream>

#include <cstdio>

namespace hoard::gui {

bool saveWindowImage(QQuickWindow& window, const QString& path) {
    const QImage image = window.grabWindow();
    if (image.isNull()) {
        std::fprintf(stderr, "self-test: could not grab the window for %s\n", qPrintable(path));
        return false;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (!image.save(path)) {
        std::fprintf(stderr, "self-test: could not write %s\n", qPrintable(path));
        return false;
    }
    return true;
}

SelfTest::SelfTest(AppContext& app, QQuickWindow& window, QString message, QString screenshotDir,
                   int timeoutSeconds, QObject* parent)
    : QObject(parent), app_(app), window_(&window), message_(std::move(message)),
      screenshot_dir_(std::move(screenshotDir)) {
    timeout_.setSingleShot(true);
    timeout_.setInterval(timeoutSeconds * 1000);
    connect(&timeout_, &QTimer::timeout, this,
            [this] { fail(QStringLiteral("no reply within the time limit")); });
}

void SelfTest::start() {
    timeout_.start();
    ModelLoader* loader = app_.loader();
    connect(loader, &ModelLoader::modelChanged, this, [this] {
        if (app_.loader()->ready()) send();
    });
    connect(loader, &ModelLoader::stateChanged, this, [this] {
        if (app_.loader()->state() == ModelLoader::State::Failed)
            fail(QStringLiteral("the model did not load: ") + app_.loader()->error());
    });
    connect(app_.chat(), &ChatController::replyFinished, this, &SelfTest::onReply);
    if (loader->ready()) {
        send();
    } else if (!loader->loading()) {
        if (app_.preferredModelPath().isEmpty()) return fail(QStringLiteral("no model to load"));
        loader->load(app_.preferredModelPath());
    }
}

void SelfTest::send() {
    if (sent_ || done_) return;
    sent_ = true;
    app_.navigation()->setCurrent(Navigation::Chat);
    std::printf("self-test: model %s loaded, sending \"%s\"\n",
                qPrintable(app_.loader()->modelName()), qPrintable(message_));
    std::fflush(stdout);
    if (!app_.chat()->send(message_)) fail(QStringLiteral("the chat refused the message"));
}

void SelfTest::onReply(const QString& reply, const QString& stopReason) {
    if (done_) return;
    reply_ = reply;
    if (reply.isEmpty()) return fail(QStringLiteral("the reply was empty (") + stopReason + ")");
    std::printf("self-test: reply (%d tokens, %.1f tok/s, first token %.0f ms, %s): %s\n",
                app_.chat()->generatedTokens(), app_.chat()->tokensPerSecond(),
                app_.chat()->timeToFirstToken() * 1000.0, qPrintable(stopReason),
                reply.toUtf8().constData());
    const auto sessions = app_.archive()->sessions();
    int with_layers = 0;
    for (const auto& s : sessions) with_layers += s.hasLayerStats ? 1 : 0;
    std::printf("self-test: sessions recorded: %lld, with per-layer statistics: %d\n",
                static_cast<long long>(sessions.size()), with_layers);
    std::fflush(stdout);
    if (screenshot_dir_.isEmpty()) return succeed();
    app_.sessions()->refresh();
    captureScreens(Navigation::Models);
}

void SelfTest::captureScreens(int screen) {
    if (done_) return;
    if (screen > Navigation::Sessions) return succeed();
    app_.navigation()->setCurrent(screen);
    // Give the screen a few frames to lay out and draw its charts.
    QTimer::singleShot(600, this, [this, screen] {
        if (!window_) return fail(QStringLiteral("the window closed"));
        const QString path =
            QDir(screenshot_dir_)
                .filePath(QStringLiteral("%1-%2.png").arg(screen + 1).arg(Navigation::key(screen)));
        if (!saveWindowImage(*window_, path)) return fail(QStringLiteral("screenshot failed"));
        std::printf("self-test: saved %s\n", qPrintable(path));
        captureScreens(screen + 1);
    });
}

void SelfTest::fail(const QString& why) {
    if (done_) return;
    done_ = true;
    std::fprintf(stderr, "self-test failed: %s\n", qPrintable(why));
    emit finished(1);
}

void SelfTest::succeed() {
    if (done_) return;
    done_ = true;
    std::printf("self-test: passed\n");
    std::fflush(stdout);
    emit finished(0);
}

} // namespace hoard::gui
