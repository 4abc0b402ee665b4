#pragma once
// The conversations in the Chat screen's side list, most recent first.
#include "chat/conversation_store.hpp"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace hoard::gui {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Part of the chat controller")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

  public:
    enum Role { ConversationIdRole = Qt::UserRole + 1, TitleRole, UpdatedRole, ModelRole };
    Q_ENUM(Role)

    explicit ConversationListModel(const ConversationStore& store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Reads the store again.
    void refresh();
    Q_INVOKABLE int rowOf(qint64 conversationId) const;
    Q_INVOKABLE qint64 idAt(int row) const;

  signals:
    void countChanged();

  private:
    const ConversationStore& store_;
    QList<StoredConversation> rows_;
};

} // namespace hoard::gui
