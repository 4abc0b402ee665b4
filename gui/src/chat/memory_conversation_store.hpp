#pragma once
// Conversations kept in memory for the app's lifetime: the store until the
// profiling database's chat history is reachable through the engine facade.
#include "chat/conversation_store.hpp"

#include <QHash>

namespace hoard::gui {

class MemoryConversationStore : public ConversationStore {
  public:
    QList<StoredConversation> conversations() const override;
    std::optional<StoredConversation> conversation(qint64 id) const override;
    qint64 createConversation(const StoredConversation& conversation) override;
    void updateConversation(const StoredConversation& conversation) override;
    bool deleteConversation(qint64 id) override;
    QList<StoredMessage> messages(qint64 conversationId) const override;
    qint64 addMessage(const StoredMessage& message) override;
    int truncateFrom(qint64 messageId) override;

  private:
    StoredConversation* find(qint64 id);
    void touch(qint64 conversationId);

    QList<StoredConversation> conversations_;
    QList<StoredMessage> messages_;
    QHash<qint64, quint64> touched_; // conversation → when last changed (a counter: clocks tie)
    quint64 clock_ = 0;
    qint64 next_id_ = 1;
};

} // namespace hoard::gui
