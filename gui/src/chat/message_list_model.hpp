#pragma once
// The messages of the open conversation, plus the reply being streamed (the
// last row while `streaming` is true).
#include "chat/conversation_store.hpp"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Part of the chat controller")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

  public:
    enum Role {
        MessageIdRole = Qt::UserRole + 1,
        RoleRole,
        ContentRole,
        StreamingRole,
        TokensPerSecondRole,  // -1 when not known
        TimeToFirstTokenRole, // seconds, -1 when not known
        GeneratedTokensRole,
        StopReasonRole,
        ErrorRole,
        StatsRole,     // one line: "42 tokens · 12.3 tok/s · first token 210 ms"
        SessionIdRole, // the recorded session behind a reply; 0: none
    };
    Q_ENUM(Role)

    explicit MessageListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setMessages(const QList<StoredMessage>& messages);
    const StoredMessage& at(int row) const { return rows_[row].message; }
    int rowOfMessage(qint64 id) const;
    bool streaming() const { return !rows_.isEmpty() && rows_.last().streaming; }

    // Appends an empty assistant row that grows with appendStreamed().
    void beginStreaming();
    void appendStreamed(const QString& text, qint64 generatedTokens, double tokensPerSecond,
                        double timeToFirstToken);
    // Replaces the streamed row with the stored reply.
    void finishStreaming(const StoredMessage& reply);
    // Marks the streamed row as failed with `error` (keeping what arrived).
    void failStreaming(const QString& error);

    Q_INVOKABLE QVariantMap get(int row) const;

  signals:
    void countChanged();

  private:
    struct Row {
        StoredMessage message;
        bool streaming = false;
        QString error;
    };
    QList<Row> rows_;
};

} // namespace hoard::gui
