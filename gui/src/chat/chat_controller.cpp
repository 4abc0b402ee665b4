#include "chat/chat_controller.hpp"

#include "chat/conversation_export.hpp"
#include "hoard/error.hpp"
#include "models/model_library.hpp"
#include "models/model_loader.hpp"

#include <QFileInfo>

#include <limits>
#include <mutex>

namespace hoard::gui {

struct ChatController::Job {
    std::atomic<bool> stop{false};
    std::mutex mutex;
    hoard::Session* session = nullptr; // set while the lane generates
    qint64 conversationId = 0;
    QString modelName, modelPath;

    void cancel() {
        stop.store(true);
        std::lock_guard lock(mutex);
        if (session) session->cancel();
    }
};

struct ChatController::LaneState {
    std::shared_ptr<hoard::Model> model;
    std::unique_ptr<hoard::Session> session;
    std::optional<RoutingTraceLog> traces;
    std::shared_ptr<hoard::ProfileStore> store;
};

namespace {

constexpr int kTitleLength = 48;

QString titleFrom(const QString& text) {
    const QString line = text.simplified();
    return line.size() <= kTitleLength ? line : line.left(kTitleLength - 1) + QStringLiteral("…");
}

// Decode speed so far: tokens after the first over the time since it; 0 for
// the first fifth of a second, when a handful of tokens says little.
double liveTokensPerSecond(const TokenCoalescer::Chunk& c) {
    if (c.total_tokens < 2 || c.first_token_seconds < 0) return 0;
    const double decode = c.seconds - c.first_token_seconds;
    return decode >= 0.2 ? double(c.total_tokens - 1) / decode : 0;
}

} // namespace

ChatController::ChatController(ConversationStore& store, ModelLoader& loader,
                               std::shared_ptr<hoard::Engine> engine, TelemetryFeed* feed,
                               QObject* parent)
    : QObject(parent), store_(store), loader_(loader), engine_(std::move(engine)), feed_(feed),
      conversations_(store), lane_state_(std::make_shared<LaneState>()) {
    connect(&loader_, &ModelLoader::modelChanged, this, [this] {
        if (job_) job_->cancel();
        // The old model's session (and KV cache) goes as soon as the lane is free.
        auto current = loader_.model();
        lane_.post([state = lane_state_, current] {
            if (state->model != current) {
                state->session.reset();
                state->model.reset();
            }
        });
        emit canSendChanged();
    });
}

ChatController::~ChatController() {
    if (job_) job_->cancel();
    lane_.stop();
}

QString ChatController::title() const {
    if (!conversation_id_) return tr("New conversation");
    const auto c = store_.conversation(conversation_id_);
    return c && !c->title.isEmpty() ? c->title : tr("New conversation");
}

void ChatController::setSystemPrompt(const QString& prompt) {
    if (prompt == system_prompt_) return;
    system_prompt_ = prompt;
    saveConversationSettings();
    emit systemPromptChanged();
}

bool ChatController::canSend() const {
    return loader_.ready() && !generating();
}

bool ChatController::canRegenerate() const {
    return canSend() && messages_.rowCount() > 0;
}

bool ChatController::refuse(const QString& why) {
    emit errorOccurred(why);
    return false;
}

void ChatController::newConversation() {
    stop();
    conversation_id_ = 0;
    messages_.setMessages({});
    emit conversationChanged();
    emit canSendChanged();
}

void ChatController::openConversation(qint64 id) {
    if (id == conversation_id_) return;
    if (!store_.conversation(id)) return refuse(tr("That conversation no longer exists.")), void();
    stop();
    setCurrent(id);
}

void ChatController::setCurrent(qint64 id) {
    conversation_id_ = id;
    if (const auto c = store_.conversation(id)) {
        system_prompt_ = c->systemPrompt;
        if (!c->settings.isEmpty()) sampling_.fromJson(c->settings);
    }
    messages_.setMessages(store_.messages(id));
    emit conversationChanged();
    emit systemPromptChanged();
    emit canSendChanged();
}

void ChatController::deleteConversation(qint64 id) {
    if (id == conversation_id_) newConversation();
    store_.deleteConversation(id);
    conversations_.refresh();
}

void ChatController::saveConversationSettings() {
    if (!conversation_id_) return;
    auto c = store_.conversation(conversation_id_);
    if (!c) return;
    c->systemPrompt = system_prompt_;
    c->settings = sampling_.toJson();
    if (loader_.ready()) c->modelPath = loader_.modelPath();
    store_.updateConversation(*c);
}

bool ChatController::send(const QString& text) {
    if (text.trimmed().isEmpty()) return false;
    if (generating()) return refuse(tr("A reply is still being written: wait for it or stop it."));
    if (!loader_.ready())
        return refuse(tr("Load a model first: pick one on the Models screen and press Load."));
    if (!conversation_id_ || !store_.conversation(conversation_id_)) {
        StoredConversation c;
        c.title = titleFrom(text);
        c.systemPrompt = system_prompt_;
        c.settings = sampling_.toJson();
        c.modelPath = loader_.modelPath();
        conversation_id_ = store_.createConversation(c);
        emit conversationChanged();
    } else {
        saveConversationSettings();
    }
    StoredMessage message;
    message.conversationId = conversation_id_;
    message.role = QStringLiteral("user");
    message.content = text;
    store_.addMessage(message);
    messages_.setMessages(store_.messages(conversation_id_));
    conversations_.refresh();
    startReply();
    return true;
}

bool ChatController::regenerate() {
    if (generating()) return refuse(tr("A reply is still being written: wait for it or stop it."));
    if (!loader_.ready())
        return refuse(tr("Load a model first: pick one on the Models screen and press Load."));
    auto history = store_.messages(conversation_id_);
    if (!history.isEmpty() && history.last().role == QStringLiteral("assistant")) {
        store_.truncateFrom(history.last().id);
        history.removeLast();
    }
    if (history.isEmpty() || history.last().role != QStringLiteral("user")) return false;
    messages_.setMessages(history);
    startReply();
    return true;
}

bool ChatController::editAndResend(int row, const QString& text) {
    if (generating()) return refuse(tr("A reply is still being written: wait for it or stop it."));
    if (row < 0 || row >= messages_.rowCount() || text.trimmed().isEmpty()) return false;
    const StoredMessage& m = messages_.at(row);
    if (m.role != QStringLiteral("user") || m.id == 0) return false;
    if (!loader_.ready())
        return refuse(tr("Load a model first: pick one on the Models screen and press Load."));
    store_.truncateFrom(m.id);
    return send(text);
}

void ChatController::stop() {
    if (job_) job_->cancel();
}

void ChatController::startReply() {
    auto model = loader_.model();
    std::vector<hoard::ChatMessage> history;
    if (!system_prompt_.trimmed().isEmpty())
        history.push_back({"system", system_prompt_.toStdString()});
    for (const StoredMessage& m : store_.messages(conversation_id_))
        history.push_back({m.role.toStdString(), m.content.toStdString()});
    const hoard::GenerationParams params = sampling_.params();

    auto job = std::make_shared<Job>();
    job->conversationId = conversation_id_;
    job->modelName = loader_.modelName();
    job->modelPath = loader_.modelPath();
    job_ = job;
    tokens_per_second_ = 0;
    time_to_first_token_ = -1;
    generated_tokens_ = 0;
    messages_.beginStreaming();
    emit generatingChanged();
    emit canSendChanged();
    emit statsChanged();
    if (feed_) feed_->beginGeneration(job->modelName, job->modelPath);

    lane_.post([this, job, model, history, params, engine = engine_, state = lane_state_,
                feed = feed_] {
        ReplyOutcome outcome;
        try {
            // One session per model, kept between replies: the engine reuses the
            // cached prefix of the conversation.
            if (state->model != model || !state->session) {
                state->session.reset();
                state->session = engine->create_session(model);
                state->model = model;
            }
        } catch (const hoard::Error& e) {
            outcome.error = QString::fromUtf8(e.what());
        }
        if (outcome.error.isEmpty()) {
            {
                std::lock_guard lock(job->mutex);
                job->session = state->session.get();
            }
            if (state->traces) state->traces->begin(*model);
            outcome = generateReply(
                *state->session, *model, history, params, job->stop,
                [this, job](const TokenCoalescer::Chunk& chunk) {
                    QMetaObject::invokeMethod(
                        this, [this, job, chunk] { onChunk(job, chunk); }, Qt::QueuedConnection);
                },
                ReplyTelemetry{feed, state->store.get(), job->modelName.toStdString()});
            if (state->traces) state->traces->end(*model);
            std::lock_guard lock(job->mutex);
            job->session = nullptr;
        }
        QMetaObject::invokeMethod(
            this, [this, job, outcome] { onFinished(job, outcome); }, Qt::QueuedConnection);
    });
}

void ChatController::onChunk(const std::shared_ptr<Job>& job, const TokenCoalescer::Chunk& chunk) {
    if (job != job_) return;
    generated_tokens_ = int(chunk.total_tokens);
    time_to_first_token_ = chunk.first_token_seconds;
    if (const double tps = liveTokensPerSecond(chunk); tps > 0) tokens_per_second_ = tps;
    if (job->conversationId == conversation_id_)
        messages_.appendStreamed(QString::fromUtf8(chunk.text), qint64(chunk.total_tokens),
                                 tokens_per_second_, time_to_first_token_);
    emit statsChanged();
}

void ChatController::onFinished(const std::shared_ptr<Job>& job, const ReplyOutcome& outcome) {
    const hoard::GenerationStats& stats = outcome.stats;
    const QString& error = outcome.error;
    if (job != job_) return;
    job_.reset();
    const bool visible = job->conversationId == conversation_id_;
    const QString content = visible && messages_.streaming()
                                ? messages_.at(messages_.rowCount() - 1).content
                                : QString();
    // Stopped by the user, whichever way the engine noticed it (in prefill or decoding).
    const bool user_stopped =
        job->stop.load() && (stats.stop == hoard::StopReason::Cancelled ||
                             stats.stop == hoard::StopReason::CallbackStopped);
    const QString stop_reason = user_stopped
                                    ? QStringLiteral("stopped")
                                    : QString::fromLatin1(hoard::stop_reason_name(stats.stop));

    GenerationRecord record;
    record.modelName = job->modelName;
    record.modelPath = job->modelPath;
    record.promptTokens = stats.prompt_tokens;
    record.reusedTokens = stats.reused_tokens;
    record.generatedTokens = stats.generated_tokens;
    record.tokensPerSecond = stats.decode_tokens_per_second();
    record.prefillTokensPerSecond = stats.prefill_tokens_per_second();
    record.timeToFirstToken = stats.first_token_seconds;
    record.seconds = stats.first_token_seconds + stats.decode_seconds;
    record.stopReason = stop_reason;
    record.error = error;
    record.sessionId = outcome.sessionId;
    if (outcome.offload && outcome.offload->requests > 0) {
        record.hitRate = outcome.offload->hitRate;
        record.deviceCapacityBytes = outcome.offload->deviceCapacity;
        record.devicePeakBytes = outcome.offload->devicePeak;
    }

    if (!outcome.recordingError.isEmpty())
        emit errorOccurred(tr("This reply was not recorded: %1").arg(outcome.recordingError));
    if (!error.isEmpty()) {
        if (visible) messages_.failStreaming(error);
        emit errorOccurred(error);
    } else if (content.isEmpty()) {
        if (visible) {
            if (stats.stop == hoard::StopReason::CallbackStopped ||
                stats.stop == hoard::StopReason::Cancelled)
                messages_.setMessages(store_.messages(conversation_id_)); // stopped before any text
            else
                messages_.failStreaming(tr("The model ended its reply without writing anything."));
        }
    } else {
        StoredMessage reply;
        reply.conversationId = job->conversationId;
        reply.role = QStringLiteral("assistant");
        reply.content = content;
        reply.generatedTokens = qint64(stats.generated_tokens);
        if (stats.generated_tokens > 1) reply.tokensPerSecond = stats.decode_tokens_per_second();
        reply.timeToFirstToken = stats.first_token_seconds;
        reply.stopReason = stop_reason;
        reply.sessionId = outcome.sessionId;
        reply.id = store_.addMessage(reply);
        if (visible) messages_.finishStreaming(reply);
    }
    tokens_per_second_ = stats.generated_tokens > 1 ? stats.decode_tokens_per_second() : 0;
    time_to_first_token_ = stats.generated_tokens ? stats.first_token_seconds : -1;
    generated_tokens_ = int(stats.generated_tokens);
    conversations_.refresh();
    if (feed_) feed_->endGeneration(record);
    emit statsChanged();
    emit generatingChanged();
    emit canSendChanged();
    emit replyFinished(content, error.isEmpty() ? stop_reason : error);
}

void ChatController::setProfileStore(std::shared_ptr<hoard::ProfileStore> store) {
    lane_.post([state = lane_state_, store = std::move(store)] { state->store = store; });
}

void ChatController::setRoutingTraceFolder(const QString& folder) {
    lane_.post([state = lane_state_, folder] {
        if (folder.isEmpty())
            state->traces.reset();
        else
            state->traces.emplace(folder);
    });
}

QString ChatController::exportConversation(const QString& pathOrUrl) {
    const auto conversation = store_.conversation(conversation_id_);
    if (!conversation) {
        const QString why = tr("There is no conversation to export yet: send a message first.");
        emit errorOccurred(why);
        return why;
    }
    const QString path = ModelLibrary::localPath(pathOrUrl);
    const QString error = writeConversation(path, conversationFormatFor(path), *conversation,
                                            store_.messages(conversation_id_));
    if (!error.isEmpty()) emit errorOccurred(error);
    return error;
}

} // namespace hoard::gui
