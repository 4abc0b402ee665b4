#include "chat/profile_conversation_store.hpp"

#include <QJsonDocument>

#include <cmath>

namespace hoard::gui {
namespace {

QDateTime fromUnix(double seconds) {
    return QDateTime::fromMSecsSinceEpoch(qint64(std::llround(seconds * 1000.0)));
}

StoredConversation fromStore(const hoard::StoredConversation& c) {
    StoredConversation out;
    out.id = c.id;
    out.title = QString::fromStdString(c.title);
    out.systemPrompt = QString::fromStdString(c.system_prompt);
    out.settings = QJsonDocument::fromJson(QByteArray::fromStdString(c.settings_json)).object();
    out.modelPath = QString::fromStdString(c.model_path);
    out.createdAt = fromUnix(c.created_at);
    out.updatedAt = fromUnix(c.updated_at);
    return out;
}

hoard::StoredConversation toStore(const StoredConversation& c) {
    hoard::StoredConversation out;
    out.id = c.id;
    out.title = c.title.toStdString();
    out.system_prompt = c.systemPrompt.toStdString();
    out.settings_json = QJsonDocument(c.settings).toJson(QJsonDocument::Compact).toStdString();
    out.model_path = c.modelPath.toStdString();
    return out;
}

StoredMessage fromStore(const hoard::StoredMessage& m) {
    StoredMessage out;
    out.id = m.id;
    out.conversationId = m.conversation_id;
    out.role = QString::fromStdString(m.role);
    out.content = QString::fromStdString(m.content);
    out.createdAt = fromUnix(m.created_at);
    out.sessionId = m.session_id;
    out.tokensPerSecond = m.tokens_per_second;
    out.timeToFirstToken = m.time_to_first_token;
    return out;
}

} // namespace

ProfileConversationStore::ProfileConversationStore(std::shared_ptr<hoard::ProfileStore> store,
                                                   std::function<void(const QString&)> onError)
    : store_(std::move(store)), on_error_(std::move(onError)) {}

template <typename F, typename R> R ProfileConversationStore::guarded(F&& f, R fallback) const {
    try {
        return f();
    } catch (const std::exception& e) {
        if (on_error_)
            on_error_(QObject::tr("The conversation could not be saved: %1")
                          .arg(QString::fromUtf8(e.what())));
        return fallback;
    }
}

QList<StoredConversation> ProfileConversationStore::conversations() const {
    return guarded(
        [&] {
            QList<StoredConversation> list;
            for (const auto& c : store_->conversations()) list.append(fromStore(c));
            return list;
        },
        QList<StoredConversation>{});
}

std::optional<StoredConversation> ProfileConversationStore::conversation(qint64 id) const {
    return guarded(
        [&]() -> std::optional<StoredConversation> {
            const auto c = store_->conversation(id);
            if (!c) return std::nullopt;
            return fromStore(*c);
        },
        std::optional<StoredConversation>{});
}

qint64 ProfileConversationStore::createConversation(const StoredConversation& conversation) {
    return guarded([&] { return qint64(store_->create_conversation(toStore(conversation))); },
                   qint64(0));
}

void ProfileConversationStore::updateConversation(const StoredConversation& conversation) {
    guarded(
        [&] {
            store_->update_conversation(toStore(conversation));
            return true;
        },
        false);
}

bool ProfileConversationStore::deleteConversation(qint64 id) {
    return guarded([&] { return store_->delete_conversation(id); }, false);
}

QList<StoredMessage> ProfileConversationStore::messages(qint64 conversationId) const {
    return guarded(
        [&] {
            QList<StoredMessage> list;
            for (const auto& m : store_->messages(conversationId)) list.append(fromStore(m));
            return list;
        },
        QList<StoredMessage>{});
}

qint64 ProfileConversationStore::addMessage(const StoredMessage& message) {
    hoard::StoredMessage m;
    m.conversation_id = message.conversationId;
    m.role = message.role.toStdString();
    m.content = message.content.toStdString();
    m.session_id = message.sessionId;
    m.tokens_per_second = message.tokensPerSecond;
    m.time_to_first_token = message.timeToFirstToken;
    return guarded([&] { return qint64(store_->add_message(m)); }, qint64(0));
}

int ProfileConversationStore::truncateFrom(qint64 messageId) {
    return guarded([&] { return int(store_->truncate_messages_from(messageId)); }, 0);
}

} // namespace hoard::gui
