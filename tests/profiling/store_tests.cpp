// The store's lists, deletion and the app's chat history through the facade.
#include "test_profiling.hpp"

#include "hoard/error.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

using namespace hoard;
using hoard::test::greedy_params;

void TestProfiling::sessionsListAndDelete() {
    ProfileStore store = ProfileStore::open(scratch("list.db"));
    QVERIFY(store.sessions().empty());
    auto session = engine_->create_session(cpu_model_, 128);
    int64_t ids[2] = {};
    for (int64_t& id : ids) {
        session->reset();
        Recording recording = store.record(*session, {.model_name = "tiny mixtral"});
        test::generate_tokens(*session, ref_.prompt, greedy_params(4));
        recording.stop();
        id = recording.session_id();
    }
    QVERIFY(ids[1] > ids[0]);
    const auto listed = store.sessions();
    QCOMPARE(listed.size(), size_t(2));
    QCOMPARE(listed[0].id, ids[1]); // newest first
    QCOMPARE(listed[1].id, ids[0]);
    for (const RecordedSession& s : listed) {
        QCOMPARE(s.model_name, std::string("tiny mixtral"));
        QCOMPARE(s.status, std::string("complete"));
        QVERIFY(s.ended_at.has_value() && *s.ended_at >= s.started_at);
        QCOMPARE(s.layers.size(), size_t(4));
        QCOMPARE(s.total.selections(), uint64_t((31 + 4) * 2 * 4));
        QCOMPARE(s.generated_tokens, uint64_t(4));
    }

    QVERIFY(store.delete_session(ids[0]));
    QVERIFY(!store.delete_session(ids[0]));
    QVERIFY(!store.session(ids[0]).has_value());
    QVERIFY(store.passes(ids[0]).empty());
    QVERIFY(store.layer_windows(ids[0]).empty());
    QCOMPARE(store.sessions().size(), size_t(1));
    QVERIFY(!store.passes(ids[1]).empty());

    QCOMPARE(parse_session_export_format("perfetto"), SessionExportFormat::Perfetto);
    QCOMPARE(parse_session_export_format("trace"), SessionExportFormat::Perfetto);
    QCOMPARE(parse_session_export_format("csv"), SessionExportFormat::Csv);
    QVERIFY_THROWS_EXCEPTION(Error, parse_session_export_format("xml"));
    // Another handle on the same file sees the same sessions.
    QCOMPARE(ProfileStore::open(store.path()).sessions().size(), size_t(1));
}

void TestProfiling::chatHistory() {
    ProfileStore store = ProfileStore::open(scratch("chat.db"));
    auto session = engine_->create_session(cpu_model_, 128);
    Recording recording = store.record(*session);
    test::generate_tokens(*session, ref_.prompt, greedy_params(2));
    recording.stop();

    StoredConversation c;
    c.title = "First";
    c.system_prompt = "Be brief.";
    c.settings_json = R"({"temperature": 0.7})";
    c.model_path = ref_.model.string();
    const int64_t first = store.create_conversation(c);
    c.title = "Second";
    const int64_t second = store.create_conversation(c);
    QVERIFY(second > first);

    const int64_t m1 =
        store.add_message({.conversation_id = first, .role = "user", .content = "Hi"});
    const int64_t m2 = store.add_message({.conversation_id = first,
                                          .role = "assistant",
                                          .content = "Hello.",
                                          .session_id = recording.session_id(),
                                          .tokens_per_second = 12.5,
                                          .time_to_first_token = 0.25});
    const int64_t m3 =
        store.add_message({.conversation_id = first, .role = "user", .content = "More"});
    QVERIFY(m1 < m2 && m2 < m3);
    auto messages = store.messages(first);
    QCOMPARE(messages.size(), size_t(3));
    QCOMPARE(messages[1].content, std::string("Hello."));
    QCOMPARE(messages[1].session_id, std::optional<int64_t>(recording.session_id()));
    QCOMPARE(messages[1].tokens_per_second, std::optional<double>(12.5));
    QCOMPARE(messages[0].session_id, std::optional<int64_t>());
    QVERIFY(messages[0].created_at > 0);

    // Most recently updated first; updates keep the id.
    StoredConversation renamed = *store.conversation(first);
    QCOMPARE(nlohmann::json::parse(renamed.settings_json)["temperature"].get<double>(), 0.7);
    renamed.title = "Renamed";
    store.update_conversation(renamed);
    QCOMPARE(store.conversation(first)->title, std::string("Renamed"));
    QCOMPARE(store.conversations().front().id, first);

    QCOMPARE(store.truncate_messages_from(m2), size_t(2));
    QCOMPARE(store.messages(first).size(), size_t(1));

    QVERIFY_THROWS_EXCEPTION(
        Error, store.add_message({.conversation_id = first, .role = "narrator", .content = "x"}));
    QVERIFY_THROWS_EXCEPTION(
        Error, store.add_message({.conversation_id = 999999, .role = "user", .content = "x"}));
    StoredConversation bad = c;
    bad.settings_json = "{not json";
    QVERIFY_THROWS_EXCEPTION(Error, store.create_conversation(bad));

    // Deleting the recorded session keeps the message (its link is cleared).
    QVERIFY(store.delete_session(recording.session_id()));
    QVERIFY(store.delete_conversation(second));
    QVERIFY(!store.conversation(second).has_value());
    QCOMPARE(store.conversations().size(), size_t(1));
}
