// The Chat screen's C++ side: token coalescing, the conversation store and
// its list models, sampling settings, exports, and the chat controller
// streaming real replies from the bundled model on its lane.
#include "chat/chat_controller.hpp"
#include "chat/conversation_export.hpp"
#include "chat/conversation_list_model.hpp"
#include "chat/memory_conversation_store.hpp"
#include "chat/message_list_model.hpp"
#include "chat/profile_conversation_store.hpp"
#include "chat/routing_trace_log.hpp"
#include "chat/sampling_settings.hpp"
#include "chat/token_coalescer.hpp"
#include "gui/common/gui_test_support.hpp"
#include "models/model_loader.hpp"

#include "hoard/offload.hpp"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hoard::gui;
using namespace std::chrono_literals;

class ChatTest : public QObject {
    Q_OBJECT

    std::shared_ptr<hoard::Engine> engine_ = std::make_shared<hoard::Engine>();
    EngineModelFiles files_{engine_};
    std::unique_ptr<ModelLoader> loader_;

    static StoredMessage message(qint64 conversation, const QString& role, const QString& text) {
        StoredMessage m;
        m.conversationId = conversation;
        m.role = role;
        m.content = text;
        return m;
    }

  private slots:
    void initTestCase() {
        loader_ = std::make_unique<ModelLoader>(files_);
        QSignalSpy ready(loader_.get(), &ModelLoader::modelChanged);
        loader_->load(hoard::gui::test::bundledModelPath());
        QVERIFY(ready.wait(60000));
        QVERIFY(loader_->ready());
    }

    void coalescerReleasesAtMostOncePerInterval() {
        TokenCoalescer c(100ms);
        const auto t0 = TokenCoalescer::Clock::time_point{} + 1s;
        c.start(t0);
        auto first = c.add("He", true, t0 + 30ms);
        QVERIFY(first); // the first token goes out at once
        QCOMPARE(first->text, std::string("He"));
        QCOMPARE(first->total_tokens, size_t(1));
        QCOMPARE(first->first_token_seconds, 0.03);
        QVERIFY(!c.add("llo", true, t0 + 60ms));
        QVERIFY(!c.add("", true, t0 + 90ms)); // a token split inside a character
        QVERIFY(!c.add(" wor", true, t0 + 120ms));
        auto second = c.add("ld", true, t0 + 131ms);
        QVERIFY(second);
        QCOMPARE(second->text, std::string("llo world"));
        QCOMPARE(second->tokens, size_t(4));
        QCOMPARE(second->total_tokens, size_t(5));
        QCOMPARE(second->first_token_seconds, 0.03);
        QVERIFY(!c.add("!", false, t0 + 140ms)); // text flushed at the end counts no token
        auto rest = c.flush(t0 + 150ms);
        QVERIFY(rest);
        QCOMPARE(rest->text, std::string("!"));
        QCOMPARE(rest->tokens, size_t(0));
        QCOMPARE(rest->total_tokens, size_t(5));
        QVERIFY(!c.flush(t0 + 160ms));
    }

    void memoryStoreKeepsConversations() {
        MemoryConversationStore store;
        StoredConversation c;
        c.title = "First";
        const qint64 a = store.createConversation(c);
        c.title = "Second";
        const qint64 b = store.createConversation(c);
        QVERIFY(a > 0 && b > 0 && a != b);
        QCOMPARE(store.addMessage(message(999, "user", "nowhere")), qint64(0));
        const qint64 m1 = store.addMessage(message(a, "user", "one"));
        const qint64 m2 = store.addMessage(message(a, "assistant", "two"));
        store.addMessage(message(b, "user", "other"));
        const qint64 m3 = store.addMessage(message(a, "user", "three"));
        QCOMPARE(store.messages(a).size(), 3);
        QCOMPARE(store.conversations().first().id, a); // most recently updated first
        QCOMPARE(store.truncateFrom(m2), 2);
        QCOMPARE(store.messages(a).size(), 1);
        QCOMPARE(store.messages(a).first().id, m1);
        QCOMPARE(store.truncateFrom(m3), 0); // already gone
        QCOMPARE(store.messages(b).size(), 1);
        auto updated = *store.conversation(b);
        updated.systemPrompt = "Be brief.";
        store.updateConversation(updated);
        QCOMPARE(store.conversation(b)->systemPrompt, QString("Be brief."));
        QVERIFY(store.deleteConversation(a));
        QVERIFY(!store.conversation(a));
        QVERIFY(store.messages(a).isEmpty());
        QVERIFY(!store.deleteConversation(a));
    }

    void messageListStreamsARow() {
        MessageListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMessages({message(1, "system", "hidden"), message(1, "user", "Hi")});
        QCOMPARE(model.rowCount(), 1); // the system prompt is not a chat row
        model.beginStreaming();
        QVERIFY(model.streaming());
        model.appendStreamed("Hel", 1, 0, 0.2);
        model.appendStreamed("lo", 2, 12.5, 0.2);
        QCOMPARE(model.data(model.index(1), MessageListModel::ContentRole).toString(),
                 QString("Hello"));
        QVERIFY(model.data(model.index(1), MessageListModel::StreamingRole).toBool());
        QCOMPARE(model.data(model.index(1), MessageListModel::TokensPerSecondRole).toDouble(),
                 12.5);
        StoredMessage reply = message(1, "assistant", "Hello");
        reply.id = 42;
        reply.generatedTokens = 2;
        reply.tokensPerSecond = 11.0;
        reply.timeToFirstToken = 0.25;
        reply.stopReason = "token limit";
        model.finishStreaming(reply);
        QVERIFY(!model.streaming());
        QCOMPARE(model.rowOfMessage(42), 1);
        const QString stats = model.data(model.index(1), MessageListModel::StatsRole).toString();
        QVERIFY2(stats.contains("2 token") && stats.contains("11.0 tok/s") &&
                     stats.contains("250 ms") && stats.contains("token limit"),
                 qPrintable(stats));
        model.beginStreaming();
        model.failStreaming("The context is full.");
        QCOMPARE(model.data(model.index(2), MessageListModel::ErrorRole).toString(),
                 QString("The context is full."));
        QCOMPARE(model.get(0)["role"].toString(), QString("user"));
    }

    void conversationListFollowsTheStore() {
        MemoryConversationStore store;
        ConversationListModel list(store);
        QAbstractItemModelTester tester(&list,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(list.rowCount(), 0);
        StoredConversation c;
        const qint64 untitled = store.createConversation(c);
        c.title = "Named";
        const qint64 named = store.createConversation(c);
        list.refresh();
        QCOMPARE(list.rowCount(), 2);
        QCOMPARE(list.data(list.index(list.rowOf(untitled)), ConversationListModel::TitleRole)
                     .toString(),
                 QString("New conversation"));
        QCOMPARE(list.idAt(list.rowOf(named)), named);
        QCOMPARE(list.idAt(7), qint64(0));
    }

    void samplingSettingsClampAndRoundTrip() {
        SamplingSettings s;
        QSignalSpy changed(&s, &SamplingSettings::changed);
        s.setTemperature(5.0);
        QCOMPARE(s.temperature(), 2.0);
        s.setTopK(-3);
        QCOMPARE(s.topK(), 0);
        s.setMaxTokens(100);
        s.setSeed(7);
        s.setTemperature(2.0); // unchanged: no signal
        QCOMPARE(changed.size(), 4);
        const QJsonObject json = s.toJson();
        SamplingSettings t;
        t.fromJson(json);
        QCOMPARE(t.params().max_tokens, 100);
        QCOMPARE(t.params().sampling.seed, uint64_t(7));
        QCOMPARE(t.params().sampling.top_k, 0);
        QCOMPARE(t.temperature(), 2.0);
        t.resetToDefaults();
        QCOMPARE(t.maxTokens(), 512);
    }

    void exportsReadBack() {
        StoredConversation c;
        c.title = "Trip";
        c.systemPrompt = "Be brief.";
        c.modelPath = "/models/tiny.gguf";
        c.createdAt = QDateTime::currentDateTime();
        StoredMessage a = message(1, "user", "Where to?");
        StoredMessage b = message(1, "assistant", "Lisbon.");
        b.tokensPerSecond = 20.0;
        b.generatedTokens = 3;
        const QString md = conversationToMarkdown(c, {a, b});
        QVERIFY(md.startsWith("# Trip"));
        QVERIFY(md.contains("## System\n\nBe brief."));
        QVERIFY(md.indexOf("## You\n\nWhere to?") < md.indexOf("## Assistant\n\nLisbon."));
        QVERIFY(md.contains("tiny.gguf"));
        const QJsonObject json = QJsonDocument::fromJson(conversationToJson(c, {a, b})).object();
        const QJsonArray messages = json["messages"].toArray();
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages[0].toObject()["role"].toString(), QString("system"));
        QCOMPARE(messages[2].toObject()["content"].toString(), QString("Lisbon."));
        QCOMPARE(messages[2].toObject()["tokens_per_second"].toDouble(), 20.0);
        QCOMPARE(conversationFormatFor("/x/chat.JSON"), ConversationFormat::Json);
        QCOMPARE(conversationFormatFor("/x/chat.md"), ConversationFormat::Markdown);
        QVERIFY(writeConversation("/nonexistent-dir/x.md", ConversationFormat::Markdown, c, {a})
                    .contains("Cannot write"));
    }

    void sendStreamsAReplyAndRecordsIt() {
        MemoryConversationStore store;
        TelemetryFeed feed;
        ChatController chat(store, *loader_, engine_, &feed);
        QAbstractItemModelTester tester(chat.messages(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy started(&feed, &TelemetryFeed::generationStarted);
        QSignalSpy snapshots(&feed, &TelemetryFeed::snapshotArrived);
        QSignalSpy finishedFeed(&feed, &TelemetryFeed::generationFinished);
        QSignalSpy streamed(chat.messages(), &QAbstractItemModel::dataChanged);
        QSignalSpy finished(&chat, &ChatController::replyFinished);
        chat.sampling()->setMaxTokens(40);
        chat.setSystemPrompt("You are terse.");
        QVERIFY(chat.canSend());
        QVERIFY(chat.send("Hello, who are you?"));
        QVERIFY(chat.generating());
        QVERIFY(!chat.canSend());
        QVERIFY(!chat.send("again")); // one reply at a time
        QVERIFY(finished.wait(120000));
        const QString reply = finished[0][0].toString();
        QVERIFY(!reply.isEmpty());
        QVERIFY(!chat.generating());
        QVERIFY(streamed.size() >= 1);
        QCOMPARE(chat.messages()->rowCount(), 2);
        QCOMPARE(chat.messages()->at(1).content, reply);
        QVERIFY(chat.messages()->at(1).id > 0);
        QVERIFY(chat.generatedTokens() > 0 && chat.generatedTokens() <= 40);
        QVERIFY(chat.timeToFirstToken() > 0);
        const auto stored = store.messages(chat.conversationId());
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[1].role, QString("assistant"));
        QCOMPARE(stored[1].content, reply);
        QCOMPARE(store.conversation(chat.conversationId())->systemPrompt,
                 QString("You are terse."));
        QCOMPARE(store.conversation(chat.conversationId())->title, QString("Hello, who are you?"));
        QCOMPARE(chat.conversations()->rowCount(), 1);
        // The feed saw the whole reply, in order.
        QTRY_COMPARE(finishedFeed.size(), 1);
        QCOMPARE(started.size(), 1);
        QVERIFY(snapshots.size() >= 1);
        const auto record = finishedFeed[0][0].value<GenerationRecord>();
        QCOMPARE(qint64(record.generatedTokens), qint64(chat.generatedTokens()));
        QVERIFY(record.promptTokens > 0);
        QVERIFY(record.error.isEmpty());
        const auto last = snapshots.last()[0].value<TelemetrySnapshot>();
        // The engine's live feed counts decode steps: every token but the first.
        QVERIFY2(
            last.generatedTokens + 1 >= record.generatedTokens,
            qPrintable(QString("%1 of %2").arg(last.generatedTokens).arg(record.generatedTokens)));
        // The CPU engine reports its experts too: every one resident.
        QVERIFY(last.hasExpertStats);
        QCOMPARE(last.layerHitRates.size(), loader_->model()->summary().n_layer);
        QCOMPARE(last.hitRate, 1.0);
    }

    void regenerateEditAndStop() {
        MemoryConversationStore store;
        ChatController chat(store, *loader_, engine_, nullptr);
        QSignalSpy finished(&chat, &ChatController::replyFinished);
        chat.sampling()->setMaxTokens(12);
        QVERIFY(chat.send("First question"));
        QVERIFY(finished.wait(120000));
        const qint64 first_reply = chat.messages()->at(1).id;

        // Regenerate replaces the last reply.
        QVERIFY(chat.regenerate());
        QVERIFY(finished.wait(120000));
        QCOMPARE(chat.messages()->rowCount(), 2);
        QVERIFY(chat.messages()->at(1).id != first_reply);
        QCOMPARE(store.messages(chat.conversationId()).size(), 2);

        // Edit and resend drops the edited message's successors.
        QVERIFY(chat.send("Second question"));
        QVERIFY(finished.wait(120000));
        QCOMPARE(chat.messages()->rowCount(), 4);
        QVERIFY(!chat.editAndResend(1, "not a user row"));
        QVERIFY(chat.editAndResend(0, "First question, edited"));
        QVERIFY(finished.wait(120000));
        QCOMPARE(chat.messages()->rowCount(), 2);
        QCOMPARE(chat.messages()->at(0).content, QString("First question, edited"));

        // Stop: a long reply ends early, keeping what was written.
        chat.sampling()->setMaxTokens(4000);
        QSignalSpy stats(&chat, &ChatController::statsChanged);
        QVERIFY(chat.send("Tell me a long story"));
        QTRY_VERIFY_WITH_TIMEOUT(chat.generatedTokens() >= 2, 60000);
        chat.stop();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.last()[1].toString(), QString("stopped"));
        QVERIFY(chat.generatedTokens() < 4000);
        QVERIFY(!chat.generating());
    }

    void conversationsSwitchAndExport() {
        MemoryConversationStore store;
        ChatController chat(store, *loader_, engine_, nullptr);
        QSignalSpy finished(&chat, &ChatController::replyFinished);
        QSignalSpy errors(&chat, &ChatController::errorOccurred);
        chat.sampling()->setMaxTokens(8);
        QVERIFY(!chat.exportConversation("/tmp/none.md").isEmpty()); // nothing yet
        QCOMPARE(errors.size(), 1);
        chat.setSystemPrompt("Prompt A");
        chat.sampling()->setTemperature(0.3);
        QVERIFY(chat.send("In conversation A"));
        QVERIFY(finished.wait(120000));
        const qint64 a = chat.conversationId();
        chat.newConversation();
        QCOMPARE(chat.conversationId(), qint64(0));
        QCOMPARE(chat.messages()->rowCount(), 0);
        chat.setSystemPrompt("Prompt B");
        chat.sampling()->setTemperature(1.1);
        QVERIFY(chat.send("In conversation B"));
        QVERIFY(finished.wait(120000));
        QCOMPARE(chat.conversations()->rowCount(), 2);
        chat.openConversation(a);
        QCOMPARE(chat.systemPrompt(), QString("Prompt A"));
        QCOMPARE(chat.sampling()->temperature(), 0.3);
        QCOMPARE(chat.messages()->at(0).content, QString("In conversation A"));

        QTemporaryDir dir;
        const QString md = dir.filePath("a.md");
        QCOMPARE(chat.exportConversation(QUrl::fromLocalFile(md).toString()), QString());
        QFile file(md);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY(text.contains("In conversation A") && !text.contains("In conversation B"));
        QCOMPARE(chat.exportConversation(dir.filePath("a.json")), QString());
        QVERIFY(QJsonDocument::fromJson([&] {
                    QFile j(dir.filePath("a.json"));
                    j.open(QIODevice::ReadOnly);
                    return j.readAll();
                }())
                    .isObject());

        chat.deleteConversation(a);
        QCOMPARE(chat.conversations()->rowCount(), 1);
        QCOMPARE(chat.conversationId(), qint64(0));
    }

    void offloadedRepliesCarryExpertTelemetryAndRecordRouting() {
        hoard::gui::test::useTestCacheDir();
        ModelLoader offloaded(files_);
        QSignalSpy ready(&offloaded, &ModelLoader::modelChanged);
        offloaded.loadWithBudget(hoard::gui::test::bundledModelPath(), 60ll << 20, 1024, true);
        QVERIFY(ready.wait(120000));
        QVERIFY(offloaded.offloaded());
        QTemporaryDir traces;
        MemoryConversationStore store;
        TelemetryFeed feed;
        ChatController chat(store, offloaded, engine_, &feed);
        chat.setRoutingTraceFolder(traces.path());
        chat.sampling()->setMaxTokens(48);
        QSignalSpy snapshots(&feed, &TelemetryFeed::snapshotArrived);
        QSignalSpy finished(&feed, &TelemetryFeed::generationFinished);
        QVERIFY(chat.send("Route me through the experts"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 120000);
        bool expert_stats = false;
        for (const auto& args : snapshots) {
            const auto s = args[0].value<TelemetrySnapshot>();
            if (!s.hasExpertStats) continue;
            expert_stats = true;
            QCOMPARE(s.layerHitRates.size(), offloaded.model()->summary().n_layer);
            const double shares = s.highFraction + s.lowFraction + s.cpuFraction + s.skipFraction;
            QVERIFY(std::abs(shares - 1.0) < 1e-9);
        }
        QVERIFY(expert_stats);
        const auto record = finished[0][0].value<GenerationRecord>();
        QVERIFY(record.hitRate.has_value());
        QVERIFY(*record.hitRate >= 0 && *record.hitRate <= 1);
        QCOMPARE(record.deviceCapacityBytes > 0, true);
        QVERIFY(record.devicePeakBytes <= record.deviceCapacityBytes);
        // The reply's routing was appended to the model's trace, which the planner reads.
        const QString trace = traces.filePath("hoard-tiny-moe.gguf.routing.jsonl");
        QTRY_VERIFY(QFileInfo(trace).size() > 0);
        auto planner =
            hoard::OffloadPlanner::for_file(hoard::gui::test::bundledModelPath().toStdString());
        planner.set_trace(trace.toStdString());
        QVERIFY(planner.trace_tokens() > 0);
        QVERIFY(!planner.trace_is_synthetic());
        // A second reply adds a second sequence.
        const qint64 size = QFileInfo(trace).size();
        QVERIFY(chat.send("Once more"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2, 120000);
        QTRY_VERIFY(QFileInfo(trace).size() > size);
        planner.set_trace(trace.toStdString());
        QVERIFY(planner.trace_tokens() > 0);
    }

    void repliesAreRecordedInTheProfileStore() {
        QTemporaryDir dir;
        const std::string db = dir.filePath("profile.db").toStdString();
        auto store = std::make_shared<hoard::ProfileStore>(hoard::ProfileStore::open(db));
        QStringList problems;
        ProfileConversationStore conversations(store, [&](const QString& m) { problems << m; });
        TelemetryFeed feed;
        ChatController chat(conversations, *loader_, engine_, &feed);
        chat.setProfileStore(store);
        chat.sampling()->setMaxTokens(24);
        chat.setSystemPrompt("Be brief.");
        QSignalSpy finished(&feed, &TelemetryFeed::generationFinished);
        QVERIFY(chat.send("Record this reply"));
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, 120000);
        const auto record = finished[0][0].value<GenerationRecord>();
        QVERIFY(record.sessionId.has_value());
        // The session, with per-layer statistics, is in the database.
        const auto session = store->session(*record.sessionId);
        QVERIFY(session);
        QCOMPARE(session->status, std::string("complete"));
        QCOMPARE(session->layers.size(), loader_->model()->summary().n_layer);
        QVERIFY(session->total.selections() > 0);
        QCOMPARE(qint64(session->generated_tokens), qint64(record.generatedTokens));
        // The reply in the chat links to it.
        QCOMPARE(chat.messages()
                     ->data(chat.messages()->index(1), MessageListModel::SessionIdRole)
                     .toLongLong(),
                 *record.sessionId);
        // The conversation and its reply (pointing at the session) survive a reopening.
        const qint64 id = chat.conversationId();
        auto reopened = std::make_shared<hoard::ProfileStore>(hoard::ProfileStore::open(db));
        ProfileConversationStore again(reopened);
        const auto c = again.conversation(id);
        QVERIFY(c);
        QCOMPARE(c->systemPrompt, QString("Be brief."));
        QCOMPARE(c->settings["max_tokens"].toInt(), 24);
        const auto messages = again.messages(id);
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[1].role, QString("assistant"));
        QCOMPARE(messages[1].sessionId, record.sessionId);
        QVERIFY(messages[1].timeToFirstToken.has_value());
        QVERIFY(problems.isEmpty());
        // Regenerating replaces the stored reply.
        QVERIFY(chat.regenerate());
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2, 120000);
        QCOMPARE(again.messages(id).size(), 2);
        QCOMPARE(store->sessions().size(), size_t(2));
        // A store that cannot be written reports in words instead of throwing.
        QCOMPARE(again.addMessage([&] {
            StoredMessage m;
            m.conversationId = id;
            m.role = "narrator"; // not a role the store accepts
            m.content = "x";
            return m;
        }()),
                 qint64(0));
        QCOMPARE(problems.size(), 0); // `again` has no error callback: nothing to report to
        ProfileConversationStore reporting(reopened, [&](const QString& m) { problems << m; });
        StoredMessage bad;
        bad.conversationId = id;
        bad.role = "narrator";
        QCOMPARE(reporting.addMessage(bad), qint64(0));
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems[0].contains("could not be saved"));
    }

    void traceSequencesAreRenumberedWhenAppended() {
        QTemporaryDir dir;
        auto write = [&](const QString& name, const QByteArray& text) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        // The second sequence continues a conversation: its positions start at 40.
        write("part.jsonl", "{\"format\":\"hoard-routing-trace\",\"n_layer\":1}\n"
                            "{\"problem_id\":0,\"token_idx\":0,\"layer\":0,\"experts\":[1,2]}\n"
                            "{\"problem_id\":1,\"token_idx\":40,\"layer\":0,\"experts\":[3,0]}\n"
                            "{\"problem_id\":1,\"token_idx\":41,\"layer\":0,\"experts\":[2,0]}\n");
        const QString whole = dir.filePath("whole.jsonl");
        QCOMPARE(appendTraceSequences(dir.filePath("part.jsonl"), whole), size_t(3));
        QCOMPARE(appendTraceSequences(dir.filePath("part.jsonl"), whole), size_t(3));
        QFile f(whole);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QList<qint64> ids, tokens;
        // One header line, first.
        QVERIFY(QJsonDocument::fromJson(f.readLine()).object().contains("format"));
        while (!f.atEnd()) {
            const QJsonObject o = QJsonDocument::fromJson(f.readLine()).object();
            QVERIFY(!o.contains("format"));
            ids << o["problem_id"].toInteger();
            tokens << o["token_idx"].toInteger();
        }
        QCOMPARE(ids, (QList<qint64>{0, 1, 1, 2, 3, 3}));
        QCOMPARE(tokens, (QList<qint64>{0, 0, 1, 0, 0, 1}));
    }

    void withoutAModelTheChatSaysWhatToDo() {
        MemoryConversationStore store;
        hoard::gui::test::FakeInspector unused;
        ModelLoader empty(files_);
        ChatController chat(store, empty, engine_, nullptr);
        QSignalSpy errors(&chat, &ChatController::errorOccurred);
        QVERIFY(!chat.canSend());
        QVERIFY(!chat.send("Hello"));
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors[0][0].toString().contains("Load a model"));
        QVERIFY(!chat.send("   ")); // empty text: silently nothing
        QCOMPARE(errors.size(), 1);
        QCOMPARE(store.conversations().size(), 0);
    }
};

QTEST_MAIN(ChatTest)
#include "test_gui_chat.moc"
