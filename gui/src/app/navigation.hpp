#pragma once
// Which screen is showing. The navigation rail, keyboard shortcuts (Ctrl+1…5)
// and the self-test all move it.
#include <QObject>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class Navigation : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(int current READ current WRITE setCurrent NOTIFY currentChanged)
    Q_PROPERTY(QStringList screens READ screens CONSTANT)

  public:
    enum Screen { Models, Budget, Chat, Dashboard, Sessions };
    Q_ENUM(Screen)

    explicit Navigation(QObject* parent = nullptr) : QObject(parent) {}

    int current() const { return current_; }
    void setCurrent(int screen);
    QStringList screens() const;
    // "models", "budget", ... (screenshot file names, command line).
    static QString key(int screen);

  signals:
    void currentChanged();

  private:
    int current_ = Models;
};

} // namespace hoard::gui
