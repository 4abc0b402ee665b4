#pragma once
// `hoard-desktop --self-test-chat "message"`: once the preselected model is
// loaded, sends the message, waits for the streamed reply, prints it, saves a
// screenshot of every screen (with --screenshots DIR) and quits: exit code 0
// when a reply arrived, 1 otherwise. The end-to-end test drives the real app
// this way on the offscreen platform.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

class QQuickWindow;

namespace hoard::gui {

class AppContext;

class SelfTest : public QObject {
    Q_OBJECT

  public:
    SelfTest(AppContext& app, QQuickWindow& window, QString message, QString screenshotDir,
             int timeoutSeconds, QObject* parent = nullptr);
    void start();

  signals:
    void finished(int exitCode);

  private:
    void send();
    void onReply(const QString& reply, const QString& stopReason);
    void captureScreens(int screen);
    void fail(const QString& why);
    void succeed();

    AppContext& app_;
    QPointer<QQuickWindow> window_;
    QString message_, screenshot_dir_;
    QTimer timeout_;
    bool sent_ = false, done_ = false;
    QString reply_;
};

// Saves the window's current frame as a PNG; returns false (and says why on stderr) on failure.
bool saveWindowImage(QQuickWindow& window, const QString& path);

} // namespace hoard::gui
