#pragma once
// Where conversations live. Kept in memory for now (MemoryConversationStore);
// the profiling store's chat history backs it once its facade is public. The
// fields follow that history so the switch changes no caller. GUI thread only.
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace hoard::gui {

struct StoredConversation {
    qint64 id = 0;
    QString title;
    QString systemPrompt;
    QJsonObject settings; // sampling settings (SamplingSettings::toJson)
    QString modelPath;
    QDateTime createdAt, updatedAt;
};

struct StoredMessage {
    qint64 id = 0;
    qint64 conversationId = 0;
    QString role; // system | user | assistant
    QString content;
    QDateTime createdAt;
    std::optional<qint64> sessionId;        // the recorded session that produced it
    std::optional<double> tokensPerSecond;  // assistant replies
    std::optional<double> timeToFirstToken; // seconds
    std::optional<qint64> generatedTokens;
    QString stopReason; // "end of generation", "stopped", ...
};

class ConversationStore {
  public:
    virtual ~ConversationStore() = default;

    virtual QList<StoredConversation> conversations() const = 0; // most recently updated first
    virtual std::optional<StoredConversation> conversation(qint64 id) const = 0;
    // Returns the new id; id and times in `conversation` are ignored.
    virtual qint64 createConversation(const StoredConversation& conversation) = 0;
    // Saves title, system prompt, settings and model of conversation.id.
    virtual void updateConversation(const StoredConversation& conversation) = 0;
    virtual bool deleteConversation(qint64 id) = 0;

    virtual QList<StoredMessage> messages(qint64 conversationId) const = 0; // oldest first
    // Appends to message.conversationId; returns the id (0 for an unknown conversation).
    virtual qint64 addMessage(const StoredMessage& message) = 0;
    // Deletes the message and every later one of its conversation; returns how many.
    virtual int truncateFrom(qint64 messageId) = 0;
};

} // namespace hoard::gui
