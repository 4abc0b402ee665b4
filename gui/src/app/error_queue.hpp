#pragma once
// Errors waiting for the user: the banner shows the oldest, with a count of
// the rest; dismissing it shows the next. Repeats of the shown one are merged.
#include <QObject>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class ErrorQueue : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(QString current READ current NOTIFY changed)
    Q_PROPERTY(int count READ count NOTIFY changed)

  public:
    explicit ErrorQueue(QObject* parent = nullptr) : QObject(parent) {}

    QString current() const { return messages_.isEmpty() ? QString() : messages_.first(); }
    int count() const { return int(messages_.size()); }

    Q_INVOKABLE void push(const QString& message);
    Q_INVOKABLE void dismiss();
    Q_INVOKABLE void clear();

  signals:
    void changed();

  private:
    static constexpr int kMaxQueued = 20;
    QStringList messages_;
};

} // namespace hoard::gui
