#pragma once
// A conversation as a Markdown document or a JSON object, for the Chat
// screen's Export menu.
#include "chat/conversation_store.hpp"

#include <QByteArray>
#include <QString>

namespace hoard::gui {

enum class ConversationFormat { Markdown, Json };

QString conversationToMarkdown(const StoredConversation& conversation,
                               const QList<StoredMessage>& messages);
QByteArray conversationToJson(const StoredConversation& conversation,
                              const QList<StoredMessage>& messages);

// The format named by a file's extension (.md/.markdown, .json); Markdown otherwise.
ConversationFormat conversationFormatFor(const QString& path);

// Writes the export; returns an empty string, or what went wrong in words.
QString writeConversation(const QString& path, ConversationFormat format,
                          const StoredConversation& conversation,
                          const QList<StoredMessage>& messages);

} // namespace hoard::gui
