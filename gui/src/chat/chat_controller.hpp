#pragma once
// The Chat screen's controller: conversations, the open one's messages, and
// replies streamed from the engine. Generation runs on the chat lane through
// Session::chat; tokens come back coalesced (about 15 snapshots a second) as
// queued calls, and each reply's speed is published to the telemetry feed.
#include "chat/conversation_list_model.hpp"
#include "chat/conversation_store.hpp"
#include "chat/message_list_model.hpp"
#include "chat/reply_generation.hpp"
#include "chat/routing_trace_log.hpp"
#include "chat/sampling_settings.hpp"
#include "chat/token_coalescer.hpp"
#include "engine/worker_lane.hpp"
#include "telemetry/telemetry_feed.hpp"

#include "hoard/engine.hpp"

#include <QObject>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace hoard::gui {

class ModelLoader;

class ChatController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(hoard::gui::MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(hoard::gui::SamplingSettings* sampling READ sampling CONSTANT)
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)
    Q_PROPERTY(QString title READ title NOTIFY conversationChanged)
    Q_PROPERTY(
        QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY systemPromptChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(bool canSend READ canSend NOTIFY canSendChanged)
    Q_PROPERTY(bool canRegenerate READ canRegenerate NOTIFY canSendChanged)
    // Live while a reply streams, then the last reply's figures.
    Q_PROPERTY(double tokensPerSecond READ tokensPerSecond NOTIFY statsChanged)
    Q_PROPERTY(double timeToFirstToken READ timeToFirstToken NOTIFY statsChanged) // -1: none yet
    Q_PROPERTY(int generatedTokens READ generatedTokens NOTIFY statsChanged)

  public:
    ChatController(ConversationStore& store, ModelLoader& loader,
                   std::shared_ptr<hoard::Engine> engine, TelemetryFeed* feed,
                   QObject* parent = nullptr);
    ~ChatController() override;

    ConversationListModel* conversations() { return &conversations_; }
    MessageListModel* messages() { return &messages_; }
    SamplingSettings* sampling() { return &sampling_; }
    qint64 conversationId() const { return conversation_id_; }
    QString title() const;
    QString systemPrompt() const { return system_prompt_; }
    void setSystemPrompt(const QString& prompt);
    bool generating() const { return job_ != nullptr; }
    bool canSend() const;
    bool canRegenerate() const;
    double tokensPerSecond() const { return tokens_per_second_; }
    double timeToFirstToken() const { return time_to_first_token_; }
    int generatedTokens() const { return generated_tokens_; }

    Q_INVOKABLE void newConversation();
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void deleteConversation(qint64 id);
    // Sends a user message and streams the reply; false (with an error) when
    // there is no model, a reply is streaming, or the text is empty.
    Q_INVOKABLE bool send(const QString& text);
    Q_INVOKABLE void stop();
    // Replaces the last reply with a new one.
    Q_INVOKABLE bool regenerate();
    // Replaces the user message at `row` (and everything after it) with `text`, and replies.
    Q_INVOKABLE bool editAndResend(int row, const QString& text);
    // Exports the open conversation; the format follows the extension (.md or
    // .json). Returns an empty string, or what went wrong in words.
    Q_INVOKABLE QString exportConversation(const QString& pathOrUrl);
    // Record each reply's routing into this folder (for the budget planner's
    // replay); empty: no recording. Takes effect with the next reply.
    void setRoutingTraceFolder(const QString& folder);
    // Record each reply as a session of this profiling store (null: none).
    void setProfileStore(std::shared_ptr<hoard::ProfileStore> store);

  signals:
    void conversationChanged();
    void systemPromptChanged();
    void generatingChanged();
    void canSendChanged();
    void statsChanged();
    void replyFinished(const QString& reply, const QString& stopReason);
    void errorOccurred(const QString& message);

  private:
    struct Job;       // one reply being generated
    struct LaneState; // what lives on the chat lane: the session
    void startReply();
    void onChunk(const std::shared_ptr<Job>& job, const TokenCoalescer::Chunk& chunk);
    void onFinished(const std::shared_ptr<Job>& job, const ReplyOutcome& outcome);
    void saveConversationSettings();
    void setCurrent(qint64 id);
    bool refuse(const QString& why);

    ConversationStore& store_;
    ModelLoader& loader_;
    std::shared_ptr<hoard::Engine> engine_;
    TelemetryFeed* feed_;
    ConversationListModel conversations_;
    MessageListModel messages_;
    SamplingSettings sampling_;
    qint64 conversation_id_ = 0;
    QString system_prompt_;
    std::shared_ptr<Job> job_;
    double tokens_per_second_ = 0;
    double time_to_first_token_ = -1;
    int generated_tokens_ = 0;
    std::shared_ptr<LaneState> lane_state_;
    WorkerLane lane_{"chat"};
};

} // namespace hoard::gui
