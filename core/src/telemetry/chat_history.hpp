#pragma once
// The desktop app's conversations and messages, kept in the profile database
// so that an answer can point at the recorded session that produced it.
#include "telemetry/store_connection.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hoard::telemetry {

struct Conversation {
    int64_t id = 0;
    std::string title;
    std::string system_prompt;
    nlohmann::json settings = nlohmann::json::object(); // sampling settings
    std::string model_path;
    double created_at = 0, updated_at = 0; // Unix time
};

struct ChatMessage {
    int64_t id = 0;
    int64_t conversation_id = 0;
    std::string role; // system | user | assistant | tool
    std::string content;
    double created_at = 0;
    std::optional<int64_t> session_id; // the recording that produced it
    std::optional<double> tokens_per_second;
    std::optional<double> time_to_first_token; // seconds
};

class ChatHistory {
  public:
    explicit ChatHistory(std::shared_ptr<StoreConnection> connection)
        : connection_(std::move(connection)) {}

    // Returns the new id; id and times in `conversation` are ignored.
    int64_t create_conversation(const Conversation& conversation);
    // Saves title, system prompt, settings and model of conversation.id.
    void update_conversation(const Conversation& conversation);
    std::vector<Conversation> conversations() const; // most recently updated first
    std::optional<Conversation> conversation(int64_t id) const;
    bool delete_conversation(int64_t id); // and its messages

    // Appends to message.conversation_id (which must exist); returns the id.
    // Throws hoard::Error for an unknown conversation or role.
    int64_t add_message(const ChatMessage& message);
    std::vector<ChatMessage> messages(int64_t conversation_id) const; // oldest first
    // Deletes the message and all later ones of its conversation (edit and
    // resend, regenerate); returns how many.
    size_t truncate_from(int64_t message_id);

  private:
    std::shared_ptr<StoreConnection> connection_;
};

} // namespace hoard::telemetry
