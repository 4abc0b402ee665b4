#include "chat/conversation_export.hpp"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace hoard::gui {
namespace {

QString roleHeading(const QString& role) {
    if (role == QStringLiteral("user")) return QStringLiteral("You");
    if (role == QStringLiteral("assistant")) return QStringLiteral("Assistant");
    if (role == QStringLiteral("system")) return QStringLiteral("System");
    return role;
}

} // namespace

QString conversationToMarkdown(const StoredConversation& conversation,
                               const QList<StoredMessage>& messages) {
    QString md;
    md += QStringLiteral("# %1\n\n")
              .arg(conversation.title.isEmpty() ? QStringLiteral("Conversation")
                                                : conversation.title);
    if (!conversation.modelPath.isEmpty())
        md += QStringLiteral("*Model:* `%1`  \n").arg(QFileInfo(conversation.modelPath).fileName());
    md += QStringLiteral("*Started:* %1\n\n").arg(conversation.createdAt.toString(Qt::ISODate));
    if (!conversation.systemPrompt.isEmpty())
        md += QStringLiteral("## System\n\n%1\n\n").arg(conversation.systemPrompt);
    for (const StoredMessage& m : messages) {
        if (m.role == QStringLiteral("system")) continue;
        md += QStringLiteral("## %1\n\n%2\n\n").arg(roleHeading(m.role), m.content);
        if (m.role == QStringLiteral("assistant") && m.tokensPerSecond)
            md += QStringLiteral("*%1 tokens, %2 tok/s*\n\n")
                      .arg(m.generatedTokens.value_or(0))
                      .arg(*m.tokensPerSecond, 0, 'f', 1);
    }
    return md;
}

QByteArray conversationToJson(const StoredConversation& conversation,
                              const QList<StoredMessage>& messages) {
    QJsonArray list;
    if (!conversation.systemPrompt.isEmpty())
        list.append(QJsonObject{{"role", "system"}, {"content", conversation.systemPrompt}});
    for (const StoredMessage& m : messages) {
        QJsonObject o{{"role", m.role},
                      {"content", m.content},
                      {"created_at", m.createdAt.toString(Qt::ISODate)}};
        if (m.tokensPerSecond) o.insert("tokens_per_second", *m.tokensPerSecond);
        if (m.timeToFirstToken) o.insert("time_to_first_token", *m.timeToFirstToken);
        if (m.generatedTokens) o.insert("generated_tokens", *m.generatedTokens);
        if (!m.stopReason.isEmpty()) o.insert("stop_reason", m.stopReason);
        if (m.sessionId) o.insert("session_id", *m.sessionId);
        list.append(o);
    }
    const QJsonObject root{{"title", conversation.title},
                           {"model", conversation.modelPath},
                           {"created_at", conversation.createdAt.toString(Qt::ISODate)},
                           {"settings", conversation.settings},
                           {"messages", list}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

ConversationFormat conversationFormatFor(const QString& path) {
    return path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive)
               ? ConversationFormat::Json
               : ConversationFormat::Markdown;
}

QString writeConversation(const QString& path, ConversationFormat format,
                          const StoredConversation& conversation,
                          const QList<StoredMessage>& messages) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QObject::tr("Cannot write “%1”: %2").arg(path, file.errorString());
    const QByteArray bytes = format == ConversationFormat::Json
                                 ? conversationToJson(conversation, messages)
                                 : conversationToMarkdown(conversation, messages).toUtf8();
    file.write(bytes);
    if (!file.commit()) return QObject::tr("Cannot write “%1”: %2").arg(path, file.errorString());
    return {};
}

} // namespace hoard::gui
