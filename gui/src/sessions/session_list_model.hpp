#pragma once
// The Sessions screen's list of recorded sessions, newest first.
#include "sessions/session_archive.hpp"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class SessionListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Part of the sessions controller")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

  public:
    enum Role {
        SessionIdRole = Qt::UserRole + 1,
        ModelNameRole,
        StartedRole,
        DurationRole,
        TokensRole,
        SpeedRole,
        HitRateRole,
        StatusRole,
        HasLayerStatsRole,
    };
    Q_ENUM(Role)

    explicit SessionListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setSessions(const QList<SessionSummary>& sessions);
    const QList<SessionSummary>& sessions() const { return rows_; }
    Q_INVOKABLE int rowOf(qint64 sessionId) const;
    Q_INVOKABLE qint64 idAt(int row) const;
    // Display texts of one session, by role name (for the detail header).
    QVariantMap describe(qint64 sessionId) const;
    static QVariantMap describe(const SessionSummary& summary);

  signals:
    void countChanged();

  private:
    QList<SessionSummary> rows_;
};

} // namespace hoard::gui
