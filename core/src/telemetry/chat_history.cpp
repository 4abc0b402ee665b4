#include "telemetry/chat_history.hpp"

#include "telemetry/session_writer.hpp"

namespace hoard::telemetry {
namespace {

bool valid_role(const std::string& role) {
    return role == "system" || role == "user" || role == "assistant" || role == "tool";
}

constexpr const char* kConversationColumns =
    "SELECT id, title, system_prompt, settings_json, model_path, created_at, updated_at "
    "FROM conversations ";

Conversation read_conversation(const Statement& s) {
    Conversation c;
    c.id = s.column_int64(0);
    c.title = s.column_text(1);
    c.system_prompt = s.column_text(2);
    c.settings = nlohmann::json::parse(s.column_text(3), nullptr, false);
    if (c.settings.is_discarded()) c.settings = nlohmann::json::object();
    c.model_path = s.column_text(4);
    c.created_at = s.column_double(5);
    c.updated_at = s.column_double(6);
    return c;
}

} // namespace

int64_t ChatHistory::create_conversation(const Conversation& conversation) {
    std::lock_guard lock(connection_->mutex);
    Database& db = connection_->db;
    const double now = unix_now();
    db.prepare("INSERT INTO conversations (title, system_prompt, settings_json, model_path, "
               "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
        .bind(1, conversation.title)
        .bind(2, conversation.system_prompt)
        .bind(3, conversation.settings.dump())
        .bind(4, conversation.model_path)
        .bind(5, now)
        .run();
    return db.last_insert_rowid();
}

void ChatHistory::update_conversation(const Conversation& conversation) {
    std::lock_guard lock(connection_->mutex);
    Database& db = connection_->db;
    db.prepare("UPDATE conversations SET title = ?2, system_prompt = ?3, settings_json = ?4, "
               "model_path = ?5, updated_at = ?6 WHERE id = ?1")
        .bind(1, conversation.id)
        .bind(2, conversation.title)
        .bind(3, conversation.system_prompt)
        .bind(4, conversation.settings.dump())
        .bind(5, conversation.model_path)
        .bind(6, unix_now())
        .run();
    if (db.changes() == 0)
        throw Error("no conversation " + std::to_string(conversation.id) + " in the history");
}

std::vector<Conversation> ChatHistory::conversations() const {
    std::lock_guard lock(connection_->mutex);
    Statement s = connection_->db.prepare(std::string(kConversationColumns) +
                                          "ORDER BY updated_at DESC, id DESC");
    std::vector<Conversation> out;
    while (s.step()) out.push_back(read_conversation(s));
    return out;
}

std::optional<Conversation> ChatHistory::conversation(int64_t id) const {
    std::lock_guard lock(connection_->mutex);
    Statement s = connection_->db.prepare(std::string(kConversationColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_conversation(s);
}

bool ChatHistory::delete_conversation(int64_t id) {
    std::lock_guard lock(connection_->mutex);
    Database& db = connection_->db;
    db.prepare("DELETE FROM conversations WHERE id = ?1").bind(1, id).run();
    return db.changes() > 0;
}

int64_t ChatHistory::add_message(const ChatMessage& message) {
    if (!valid_role(message.role))
        throw Error("unknown chat role \"" + message.role +
                    "\" (expected system, user, assistant or tool)");
    std::lock_guard lock(connection_->mutex);
    Database& db = connection_->db;
    Transaction transaction(db);
    const double now = unix_now();
    db.prepare("UPDATE conversations SET updated_at = ?2 WHERE id = ?1")
        .bind(1, message.conversation_id)
        .bind(2, now)
        .run();
    if (db.changes() == 0)
        throw Error("no conversation " + std::to_string(message.conversation_id) +
                    " in the history");
    db.prepare("INSERT INTO messages (conversation_id, role, content, created_at, session_id, "
               "tokens_per_second, time_to_first_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, message.conversation_id)
        .bind(2, message.role)
        .bind(3, message.content)
        .bind(4, now)
        .bind(5, message.session_id)
        .bind(6, message.tokens_per_second)
        .bind(7, message.time_to_first_token)
        .run();
    const int64_t id = db.last_insert_rowid();
    transaction.commit();
    return id;
}

std::vector<ChatMessage> ChatHistory::messages(int64_t conversation_id) const {
    std::lock_guard lock(connection_->mutex);
    Statement s = connection_->db.prepare(
        "SELECT id, conversation_id, role, content, created_at, session_id, tokens_per_second, "
        "time_to_first_token FROM messages WHERE conversation_id = ?1 ORDER BY id");
    s.bind(1, conversation_id);
    std::vector<ChatMessage> out;
    while (s.step()) {
        ChatMessage m;
        m.id = s.column_int64(0);
        m.conversation_id = s.column_int64(1);
        m.role = s.column_text(2);
        m.content = s.column_text(3);
        m.created_at = s.column_double(4);
        m.session_id = s.column_optional_int64(5);
        m.tokens_per_second = s.column_optional_double(6);
        m.time_to_first_token = s.column_optional_double(7);
        out.push_back(std::move(m));
    }
    return out;
}

size_t ChatHistory::truncate_from(int64_t message_id) {
    std::lock_guard lock(connection_->mutex);
    Database& db = connection_->db;
    db.prepare("DELETE FROM messages WHERE conversation_id = (SELECT conversation_id FROM "
               "messages WHERE id = ?1) AND id >= ?1")
        .bind(1, message_id)
        .run();
    return static_cast<size_t>(db.changes());
}

} // namespace hoard::telemetry
