#include "chat/memory_conversation_store.hpp"

#include <algorithm>

namespace hoard::gui {

QList<StoredConversation> MemoryConversationStore::conversations() const {
    QList<StoredConversation> sorted = conversations_;
    std::stable_sort(sorted.begin(), sorted.end(), [this](const auto& a, const auto& b) {
        return touched_.value(a.id) > touched_.value(b.id);
    });
    return sorted;
}

std::optional<StoredConversation> MemoryConversationStore::conversation(qint64 id) const {
    for (const auto& c : conversations_)
        if (c.id == id) return c;
    return std::nullopt;
}

StoredConversation* MemoryConversationStore::find(qint64 id) {
    for (auto& c : conversations_)
        if (c.id == id) return &c;
    return nullptr;
}

void MemoryConversationStore::touch(qint64 conversationId) {
    if (StoredConversation* c = find(conversationId)) {
        c->updatedAt = QDateTime::currentDateTime();
        touched_[conversationId] = ++clock_;
    }
}

qint64 MemoryConversationStore::createConversation(const StoredConversation& conversation) {
    StoredConversation c = conversation;
    c.id = next_id_++;
    c.createdAt = c.updatedAt = QDateTime::currentDateTime();
    conversations_.append(c);
    touched_[c.id] = ++clock_;
    return c.id;
}

void MemoryConversationStore::updateConversation(const StoredConversation& conversation) {
    StoredConversation* c = find(conversation.id);
    if (!c) return;
    c->title = conversation.title;
    c->systemPrompt = conversation.systemPrompt;
    c->settings = conversation.settings;
    c->modelPath = conversation.modelPath;
    touch(conversation.id);
}

bool MemoryConversationStore::deleteConversation(qint64 id) {
    const auto removed = conversations_.removeIf([id](const auto& c) { return c.id == id; });
    touched_.remove(id);
    messages_.removeIf([id](const auto& m) { return m.conversationId == id; });
    return removed > 0;
}

QList<StoredMessage> MemoryConversationStore::messages(qint64 conversationId) const {
    QList<StoredMessage> result;
    for (const auto& m : messages_)
        if (m.conversationId == conversationId) result.append(m);
    return result;
}

qint64 MemoryConversationStore::addMessage(const StoredMessage& message) {
    if (!find(message.conversationId)) return 0;
    StoredMessage m = message;
    m.id = next_id_++;
    if (!m.createdAt.isValid()) m.createdAt = QDateTime::currentDateTime();
    messages_.append(m);
    touch(m.conversationId);
    return m.id;
}

int MemoryConversationStore::truncateFrom(qint64 messageId) {
    const auto at = std::find_if(messages_.begin(), messages_.end(),
                                 [messageId](const auto& m) { return m.id == messageId; });
    if (at == messages_.end()) return 0;
    const qint64 conversation = at->conversationId;
    const qsizetype from = at - messages_.begin();
    int removed = 0;
    for (qsizetype i = messages_.size() - 1; i >= from; --i) {
        if (messages_[i].conversationId != conversation) continue;
        messages_.removeAt(i);
        ++removed;
    }
    touch(conversation);
    return removed;
}

} // namespace hoard::gui
