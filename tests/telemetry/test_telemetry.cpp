// Schema, migrations, the recorder and the chat history.
#include "test_telemetry.hpp"

#include "common/conformance.hpp"
#include "telemetry/model_fingerprint.hpp"
#include "telemetry/schema.hpp"
#include "telemetry/sqlite_db.hpp"

#include <QtTest>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

using namespace hoard::telemetry;
using hoard::test::LayerTally;
using hoard::test::Script;

namespace hoard::test {

int64_t record(ProfileStore& store, const Script& script, RecorderOptions options) {
    EventBus bus;
    SessionInfo info;
    info.model_path = "/models/tiny-moe.gguf";
    info.model_name = "tiny, \"moe\"\nv2"; // text the CSV export must quote
    info.model_hash = "hfp1-0123456789abcdef";
    info.hardware = {{"gpu", "simulated"}, {"vram_bytes", 8u << 30}};
    info.device_budget_bytes = 6ull << 30;
    info.host_budget_bytes = 24ull << 30;
    info.policy = "multi";
    info.settings = {{"fidelity", 0.9}, {"note", "comma, \"quote\"\nnewline"}};
    Recorder recorder = store.begin_session(info, bus, std::move(options));
    play(bus, script);
    recorder.end();
    return recorder.session_id();
}

} // namespace hoard::test

namespace {

int64_t scalar(Database& db, const std::string& sql, int64_t id) {
    Statement s = db.prepare(sql);
    s.bind(1, id);
    return s.step() ? s.column_int64(0) : -1;
}

struct ScopedEnv {
    std::string name;
    std::optional<std::string> old;
    ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        if (value)
            setenv(name.c_str(), value, 1);
        else
            unsetenv(name.c_str());
    }
    ~ScopedEnv() {
        if (old)
            setenv(name.c_str(), old->c_str(), 1);
        else
            unsetenv(name.c_str());
    }
};

} // namespace

std::filesystem::path TestTelemetry::scratch(const std::string& name) const {
    return std::filesystem::path(tmp_.path().toStdString()) / name;
}

void TestTelemetry::initTestCase() {
    QVERIFY(tmp_.isValid());
}

void TestTelemetry::defaultDatabaseLocation() {
    ScopedEnv hoard_dir("HOARD_DATA_DIR", nullptr);
    ScopedEnv xdg("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", "/home/someone");
    QCOMPARE(default_database_path().string(),
             std::string("/home/someone/.local/share/hoard/hoard.db"));
    {
        ScopedEnv relative("XDG_DATA_HOME", "relative/data"); // invalid per the spec: ignored
        QCOMPARE(default_data_dir().string(), std::string("/home/someone/.local/share/hoard"));
    }
    {
        ScopedEnv absolute("XDG_DATA_HOME", "/xdg/data");
        QCOMPARE(default_database_path().string(), std::string("/xdg/data/hoard/hoard.db"));
        ScopedEnv override_dir("HOARD_DATA_DIR", "/custom/place");
        QCOMPARE(default_database_path().string(), std::string("/custom/place/hoard.db"));
    }
    ScopedEnv no_home("HOME", nullptr);
    QVERIFY_THROWS_EXCEPTION(hoard::Error, default_data_dir());
}

void TestTelemetry::freshDatabaseHasCurrentSchema() {
    const auto path = scratch("nested/folder/fresh.db");
    ProfileStore store = ProfileStore::open(path);
    QVERIFY(std::filesystem::exists(path));
    QCOMPARE(store.schema_version(), schema::kCurrentVersion);
    QCOMPARE(store.integrity_check(), std::string("ok"));
    store.with_database([](Database& db) {
        Statement mode = db.prepare("PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.column_text(0), std::string("wal"));
        for (const char* table : {"sessions", "tokens", "layer_windows", "transfers", "prefetches",
                                  "spans", "conversations", "messages"}) {
            Statement s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                     "AND name = ?1");
            s.bind(1, std::string_view(table));
            QVERIFY(s.step());
            QVERIFY2(s.column_int64(0) == 1, table);
        }
    });
    // Reopening does not migrate again.
    ProfileStore again = ProfileStore::open(path);
    QCOMPARE(again.schema_version(), schema::kCurrentVersion);
}

void TestTelemetry::migratesVersion1WithData() {
    const auto path = scratch("v1.db");
    {
        Database db = Database::open(path);
        schema::create_at_version(db, 1);
        QCOMPARE(db.user_version(), 1);
        db.exec(R"sql(
INSERT INTO sessions (id, started_at, updated_at, status, model_path, model_hash, policy,
                      settings_json, dropped_events)
VALUES (7, 1700000000, 1700000100, 'complete', '/m/old.gguf', 'hfp1-aa', 'lru', '{"t":1}', 3);
INSERT INTO tokens VALUES (7, 0, 12, 1, 0.0, 0.5), (7, 12, 1, 0, 0.5, 0.6),
                          (7, 13, 1, 0, 0.6, 0.7), (7, 14, 1, 0, 0.7, 0.8);
INSERT INTO layer_windows (session_id, window_index, layer, t_start, t_end, token_first,
                           token_last, passes, hit_high, load_low, bytes_host_to_device)
VALUES (7, 0, 0, 0.0, 0.8, 0, 14, 4, 5, 2, 1000);
INSERT INTO transfers VALUES (7, 12, 0, 3, 'low', 'host_to_device', 1000, 0, 0.5, 0.55);
INSERT INTO prefetches VALUES (7, 12, 0, 3, 1);
INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old chat', 1, 2);
INSERT INTO messages (conversation_id, role, content, created_at)
VALUES (1, 'user', 'hello', 1), (1, 'assistant', 'hi there', 2);
)sql");
    }
    ProfileStore store = ProfileStore::open(path);
    QCOMPARE(store.schema_version(), 2);
    QCOMPARE(store.integrity_check(), std::string("ok"));
    const auto session = store.session(7);
    QVERIFY(session.has_value());
    QCOMPARE(session->status, std::string("complete"));
    QCOMPARE(session->model_path, std::string("/m/old.gguf"));
    QCOMPARE(session->settings["t"].get<int>(), 1);
    QCOMPARE(session->dropped_events, uint64_t(3));
    // Back-filled by the migration from the version-1 token rows.
    QCOMPARE(session->prompt_tokens, uint64_t(12));
    QCOMPARE(session->generated_tokens, uint64_t(3));
    store.with_database([](Database& db) {
        QCOMPARE(scalar(db, "SELECT count(*) FROM tokens WHERE session_id = ?1", 7), int64_t(4));
        QCOMPARE(scalar(db, "SELECT hit_high FROM layer_windows WHERE session_id = ?1", 7),
                 int64_t(5));
        Statement cpu = db.prepare("SELECT cpu_seconds FROM layer_windows");
        QVERIFY(cpu.step());
        QCOMPARE(cpu.column_double(0), 0.0);
        QCOMPARE(scalar(db, "SELECT count(*) FROM spans WHERE session_id = ?1", 7), int64_t(0));
    });
    ChatHistory chat = store.chat();
    const auto conversations = chat.conversations();
    QCOMPARE(conversations.size(), size_t(1));
    QCOMPARE(conversations[0].title, std::string("old chat"));
    QCOMPARE(conversations[0].system_prompt, std::string());
    const auto messages = chat.messages(1);
    QCOMPARE(messages.size(), size_t(2));
    QCOMPARE(messages[1].content, std::string("hi there"));
    QVERIFY(!messages[1].session_id.has_value());

    // The migrated file takes new recordings, spans included.
    const Script script = hoard::test::make_script({.decode_tokens = 4});
    const int64_t id = hoard::test::record(store, script);
    QVERIFY(id != 7);
    store.with_database([&](Database& db) {
        QCOMPARE(scalar(db, "SELECT count(*) FROM spans WHERE session_id = ?1", id),
                 int64_t(script.layer_spans + script.cpu_spans + script.stall_spans));
    });
}

void TestTelemetry::refusesNewerSchemaAndForeignFiles() {
    const auto newer = scratch("newer.db");
    {
        Database db = Database::open(newer);
        db.exec("PRAGMA user_version = 99");
    }
    try {
        ProfileStore::open(newer);
        QFAIL("a newer schema was accepted");
    } catch (const hoard::Error& e) {
        QVERIFY2(std::string(e.what()).find("newer version of Hoard") != std::string::npos,
                 e.what());
    }
    const auto text = scratch("not-a-db.db");
    std::ofstream(text) << "this is not an SQLite database, just some text that is long enough "
                           "to fill the header SQLite looks at when it opens a file.";
    try {
        ProfileStore::open(text);
        QFAIL("a text file was accepted");
    } catch (const hoard::Error& e) {
        QVERIFY2(std::string(e.what()).find("not a Hoard profile database") != std::string::npos,
                 e.what());
    }
}

void TestTelemetry::recordsScriptedSession() {
    ProfileStore store = ProfileStore::open(scratch("record.db"));
    const Script script = hoard::test::make_script();
    // 0.25 s windows over 0.0625 s passes: exactly four passes each.
    const int64_t id =
        hoard::test::record(store, script, {.window_seconds = 0.25, .window_passes = 1000});
    const auto session = store.session(id);
    QVERIFY(session.has_value());
    QCOMPARE(session->status, std::string("complete"));
    QVERIFY(session->ended_at.has_value());
    QVERIFY(session->error.empty());
    QCOMPARE(session->prompt_tokens, script.prompt_tokens);
    QCOMPARE(session->generated_tokens, script.generated_tokens);
    QCOMPARE(session->dropped_events, uint64_t(0));
    QCOMPARE(session->policy, std::string("multi"));
    QCOMPARE(session->settings["note"].get<std::string>(),
             std::string("comma, \"quote\"\nnewline"));
    QCOMPARE(session->hardware["gpu"].get<std::string>(), std::string("simulated"));
    QCOMPARE(session->device_budget_bytes, uint64_t(6ull << 30));
    QCOMPARE(session->window_seconds, 0.25);

    store.with_database([&](Database& db) {
        // One row per pass, with its values.
        Statement tokens = db.prepare("SELECT token_index, n_tokens, prefill, t_start, t_end FROM "
                                      "tokens WHERE session_id = ?1 ORDER BY rowid");
        tokens.bind(1, id);
        for (const TokenEvent& t : script.tokens) {
            QVERIFY(tokens.step());
            QCOMPARE(tokens.column_int64(0), int64_t(t.token_index));
            QCOMPARE(tokens.column_int64(1), int64_t(t.n_tokens));
            QCOMPARE(tokens.column_int64(2) != 0, t.prefill);
            QCOMPARE(tokens.column_double(3), t.t_start);
            QCOMPARE(tokens.column_double(4), t.t_end);
        }
        QVERIFY(!tokens.step());

        Statement transfers = db.prepare(
            "SELECT token_index, layer, expert, precision, link, bytes, prefetch, t_start, t_end "
            "FROM transfers WHERE session_id = ?1 ORDER BY rowid");
        transfers.bind(1, id);
        for (const TransferEvent& t : script.transfers) {
            QVERIFY(transfers.step());
            QCOMPARE(transfers.column_int64(0), int64_t(t.token_index));
            QCOMPARE(transfers.column_int64(2), int64_t(t.expert));
            QCOMPARE(transfers.column_text(3),
                     std::string(t.precision == Precision::High ? "high" : "low"));
            QCOMPARE(
                transfers.column_text(4),
                std::string(t.link == Link::HostToDevice ? "host_to_device" : "storage_to_host"));
            QCOMPARE(transfers.column_int64(5), int64_t(t.bytes));
            QCOMPARE(transfers.column_int64(6) != 0, t.prefetch);
            QCOMPARE(transfers.column_double(8), t.t_end);
        }
        QVERIFY(!transfers.step());

        QCOMPARE(scalar(db, "SELECT count(*) FROM prefetches WHERE session_id = ?1", id),
                 int64_t(script.prefetches.size()));
        QCOMPARE(scalar(db, "SELECT count(*) FROM prefetches WHERE session_id = ?1 AND used", id),
                 int64_t(script.total().prefetch_used));
        QCOMPARE(
            scalar(db, "SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'layer'", id),
            int64_t(script.layer_spans));
        QCOMPARE(scalar(db,
                        "SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'cpu_expert' "
                        "AND expert IS NOT NULL",
                        id),
                 int64_t(script.cpu_spans));
        QCOMPARE(
            scalar(db, "SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'stall'", id),
            int64_t(script.stall_spans));

        // Windows: per-layer sums equal the script's own tallies.
        Statement sums = db.prepare(
            "SELECT layer, sum(hit_high), sum(hit_low), sum(load_high), sum(load_low), sum(cpu), "
            "sum(skip), sum(transfers), sum(prefetch_loads), sum(bytes_host_to_device), "
            "sum(bytes_storage_to_host), sum(prefetch_used), sum(prefetch_unused), sum(stalls), "
            "sum(stall_seconds), sum(cpu_seconds) FROM layer_windows WHERE session_id = ?1 "
            "GROUP BY layer ORDER BY layer");
        sums.bind(1, id);
        for (size_t layer = 0; layer < script.layers.size(); ++layer) {
            QVERIFY(sums.step());
            const LayerTally& e = script.layers[layer];
            QCOMPARE(sums.column_int64(0), int64_t(layer));
            const uint64_t expected[] = {e.hit_high,
                                         e.hit_low,
                                         e.load_high,
                                         e.load_low,
                                         e.cpu,
                                         e.skip,
                                         e.transfers,
                                         e.prefetch_loads,
                                         e.bytes_host_to_device,
                                         e.bytes_storage_to_host,
                                         e.prefetch_used,
                                         e.prefetch_unused,
                                         e.stalls};
            for (int c = 0; c < 13; ++c) QCOMPARE(uint64_t(sums.column_int64(c + 1)), expected[c]);
            QVERIFY(std::abs(sums.column_double(14) - e.stall_seconds) < 1e-12);
            QVERIFY(std::abs(sums.column_double(15) - e.cpu_seconds) < 1e-12);
        }
        QVERIFY(!sums.step());

        // 41 passes in windows of 4 (closed by time), the last one holding 1.
        const int64_t n_passes = int64_t(script.passes.size());
        const int64_t n_windows = (n_passes + 3) / 4;
        QCOMPARE(scalar(db,
                        "SELECT count(DISTINCT window_index) FROM layer_windows WHERE "
                        "session_id = ?1",
                        id),
                 n_windows);
        Statement windows =
            db.prepare("SELECT window_index, min(passes), max(passes), min(t_start), max(t_end), "
                       "min(token_first), max(token_last) FROM layer_windows WHERE session_id = ?1 "
                       "GROUP BY window_index ORDER BY window_index");
        windows.bind(1, id);
        for (int64_t w = 0; w < n_windows; ++w) {
            QVERIFY(windows.step());
            QCOMPARE(windows.column_int64(0), w);
            const int64_t passes = w + 1 < n_windows ? 4 : n_passes - 4 * (n_windows - 1);
            QCOMPARE(windows.column_int64(1), passes);
            QCOMPARE(windows.column_int64(2), passes);
            QCOMPARE(windows.column_double(3), script.tokens[size_t(4 * w)].t_start);
            QCOMPARE(windows.column_double(4), script.tokens[size_t(4 * w + passes - 1)].t_end);
            QCOMPARE(windows.column_int64(5), int64_t(script.tokens[size_t(4 * w)].token_index));
        }
    });
}

void TestTelemetry::windowsCloseAfterPasses() {
    ProfileStore store = ProfileStore::open(scratch("passes.db"));
    const Script script = hoard::test::make_script({.decode_tokens = 20});
    const int64_t id =
        hoard::test::record(store, script, {.window_seconds = 100, .window_passes = 3});
    store.with_database([&](Database& db) {
        const int64_t n_passes = int64_t(script.passes.size()); // 21
        QCOMPARE(scalar(db,
                        "SELECT count(DISTINCT window_index) FROM layer_windows WHERE "
                        "session_id = ?1",
                        id),
                 (n_passes + 2) / 3);
        QCOMPARE(scalar(db, "SELECT max(passes) FROM layer_windows WHERE session_id = ?1", id),
                 int64_t(3));
        QCOMPARE(scalar(db,
                        "SELECT sum(hit_high + hit_low + load_high + load_low + cpu + skip) "
                        "FROM layer_windows WHERE session_id = ?1",
                        id),
                 int64_t(script.total().selections()));
    });
}

void TestTelemetry::boundedQueueCountsDrops() {
    ProfileStore store = ProfileStore::open(scratch("drops.db"));
    EventBus bus;
    Recorder recorder = store.begin_session({.model_path = "m.gguf"}, bus, {.queue_capacity = 64});
    // One flush of 1000 events into an empty queue of 64: 936 must be dropped.
    for (uint32_t i = 0; i < 1000; ++i)
        bus.publish(PrefetchEvent{i, uint16_t(i % 4), uint16_t(i % 8), true});
    bus.flush();
    QCOMPARE(recorder.dropped_events(), uint64_t(936));
    QCOMPARE(recorder.stats().received_events, uint64_t(64));
    // Recording goes on normally afterwards.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (recorder.queued_events() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    QCOMPARE(recorder.queued_events(), size_t(0));
    for (uint32_t i = 0; i < 10; ++i) {
        bus.publish(TokenEvent{i, 1, false, i * 0.1, i * 0.1 + 0.1});
        bus.flush();
    }
    recorder.end();
    QVERIFY(!recorder.failed());
    QCOMPARE(recorder.dropped_events(), uint64_t(936));
    const auto session = store.session(recorder.session_id());
    QCOMPARE(session->dropped_events, uint64_t(936));
    QCOMPARE(session->status, std::string("complete"));
    store.with_database([&](Database& db) {
        const int64_t id = recorder.session_id();
        QCOMPARE(scalar(db, "SELECT count(*) FROM prefetches WHERE session_id = ?1", id),
                 int64_t(64));
        // The first 64 were kept, in order.
        QCOMPARE(scalar(db, "SELECT max(token_index) FROM prefetches WHERE session_id = ?1", id),
                 int64_t(63));
        QCOMPARE(scalar(db, "SELECT count(*) FROM tokens WHERE session_id = ?1", id), int64_t(10));
    });
}

void TestTelemetry::busyDatabaseNeverBlocksPublisher() {
    const auto path = scratch("busy.db");
    ProfileStore store = ProfileStore::open(path);
    EventBus bus;
    Recorder recorder = store.begin_session(
        {.model_path = "m.gguf"}, bus, {.commit_interval_seconds = 0.05, .queue_capacity = 4096});
    const Script script = hoard::test::make_script({.decode_tokens = 400});
    // Another program holds the write lock for a second.
    Database other = Database::open(path);
    other.exec("BEGIN IMMEDIATE");
    double slowest = 0;
    const auto hold_until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    size_t played = 0;
    while (std::chrono::steady_clock::now() < hold_until && played < script.passes.size()) {
        const auto start = std::chrono::steady_clock::now();
        hoard::test::play(bus, script, played, 1);
        slowest = std::max(
            slowest,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        ++played;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    other.exec("COMMIT");
    hoard::test::play(bus, script, played);
    recorder.end();
    qInfo("busy database: %zu passes published while locked, slowest flush %.3f ms, %llu dropped",
          played, slowest * 1e3, static_cast<unsigned long long>(recorder.dropped_events()));
    QVERIFY2(slowest < 0.05, "a flush waited for the database");
    QVERIFY(!recorder.failed());
    const auto session = store.session(recorder.session_id());
    QCOMPARE(session->status, std::string("complete"));
    // Everything not dropped was written once the lock was released.
    store.with_database([&](Database& db) {
        const int64_t id = recorder.session_id();
        const int64_t tokens = scalar(db, "SELECT count(*) FROM tokens WHERE session_id = ?1", id);
        QVERIFY(tokens > 0);
        QVERIFY(tokens <= int64_t(script.tokens.size()));
        if (recorder.dropped_events() == 0) QCOMPARE(tokens, int64_t(script.tokens.size()));
    });
}

void TestTelemetry::deleteSessionRemovesItsRows() {
    ProfileStore store = ProfileStore::open(scratch("delete.db"));
    const Script script = hoard::test::make_script({.decode_tokens = 6});
    const int64_t keep = hoard::test::record(store, script);
    const int64_t gone = hoard::test::record(store, script);
    ChatHistory chat = store.chat();
    const int64_t conversation = chat.create_conversation({.title = "t"});
    chat.add_message(
        {.conversation_id = conversation, .role = "assistant", .content = "x", .session_id = gone});
    QCOMPARE(store.sessions().size(), size_t(2));
    QVERIFY(store.delete_session(gone));
    QVERIFY(!store.delete_session(gone));
    QCOMPARE(store.sessions().size(), size_t(1));
    QCOMPARE(store.sessions()[0].id, keep);
    store.with_database([&](Database& db) {
        for (const char* table : schema::kSessionTables) {
            QCOMPARE(scalar(db,
                            "SELECT count(*) FROM " + std::string(table) + " WHERE session_id = ?1",
                            gone),
                     int64_t(0));
            QVERIFY(scalar(db,
                           "SELECT count(*) FROM " + std::string(table) + " WHERE session_id = ?1",
                           keep) > 0);
        }
    });
    // The chat message stays; it just no longer points at the session.
    const auto messages = chat.messages(conversation);
    QCOMPARE(messages.size(), size_t(1));
    QVERIFY(!messages[0].session_id.has_value());
}

void TestTelemetry::chatHistory() {
    ProfileStore store = ProfileStore::open(scratch("chat.db"));
    ChatHistory chat = store.chat();
    const int64_t a = chat.create_conversation({.title = "First",
                                                .system_prompt = "Be brief.",
                                                .settings = {{"temperature", 0.7}},
                                                .model_path = "/m/a.gguf"});
    const int64_t b = chat.create_conversation({.title = "Second"});
    chat.add_message({.conversation_id = a, .role = "user", .content = "Hello, \"world\""});
    const int64_t answer = chat.add_message({.conversation_id = a,
                                             .role = "assistant",
                                             .content = "Hi.",
                                             .tokens_per_second = 12.5,
                                             .time_to_first_token = 0.25});
    chat.add_message({.conversation_id = a, .role = "user", .content = "More?"});
    QVERIFY_THROWS_EXCEPTION(hoard::Error,
                             chat.add_message({.conversation_id = 999, .role = "user"}));
    QVERIFY_THROWS_EXCEPTION(hoard::Error,
                             chat.add_message({.conversation_id = a, .role = "wizard"}));

    auto list = chat.conversations();
    QCOMPARE(list.size(), size_t(2));
    QCOMPARE(list[0].id, a); // most recently updated first
    QCOMPARE(list[0].system_prompt, std::string("Be brief."));
    QCOMPARE(list[0].settings["temperature"].get<double>(), 0.7);
    auto messages = chat.messages(a);
    QCOMPARE(messages.size(), size_t(3));
    QCOMPARE(messages[0].content, std::string("Hello, \"world\""));
    QCOMPARE(messages[1].tokens_per_second.value_or(0), 12.5);
    QCOMPARE(messages[1].time_to_first_token.value_or(0), 0.25);

    // Regenerate: drop the answer and what followed.
    QCOMPARE(chat.truncate_from(answer), size_t(2));
    QCOMPARE(chat.messages(a).size(), size_t(1));

    Conversation renamed = *chat.conversation(b);
    renamed.title = "Renamed";
    chat.update_conversation(renamed);
    QCOMPARE(chat.conversation(b)->title, std::string("Renamed"));
    QVERIFY(chat.delete_conversation(a));
    QVERIFY(!chat.conversation(a).has_value());
    QCOMPARE(chat.messages(a).size(), size_t(0));
}

void TestTelemetry::modelFingerprint() {
    const auto model = hoard::test::conformance_path("models/tiny-mixtral-f16.gguf");
    const auto other = hoard::test::conformance_path("models/tiny-mixtral-q4_k_m.gguf");
    const std::string h1 = model_fingerprint(model);
    QVERIFY(h1.starts_with("hfp1-"));
    QCOMPARE(h1.size(), size_t(21));
    QCOMPARE(model_fingerprint(model), h1);
    QVERIFY(model_fingerprint(other) != h1);

    // A copy elsewhere has the same fingerprint; one changed byte in the
    // header, or a different length, changes it.
    const auto copy = scratch("copy.gguf");
    std::filesystem::copy_file(model, copy, std::filesystem::copy_options::overwrite_existing);
    QCOMPARE(model_fingerprint(copy), h1);
    {
        std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x5a');
    }
    QVERIFY(model_fingerprint(copy) != h1);
    std::filesystem::copy_file(model, copy, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(copy, std::filesystem::file_size(model) - 1);
    QVERIFY(model_fingerprint(copy) != h1);
    QVERIFY_THROWS_EXCEPTION(hoard::Error, model_fingerprint(scratch("missing.gguf")));

    // begin_session fills the hash in when the caller leaves it empty.
    ProfileStore store = ProfileStore::open(scratch("fingerprint.db"));
    EventBus bus;
    Recorder recorder = store.begin_session({.model_path = model.string()}, bus);
    recorder.end();
    const auto session = store.session(recorder.session_id());
    QCOMPARE(session->model_hash, h1);
    QVERIFY(session->hardware.contains("logical_cores")); // described by describe_host()
}

QTEST_APPLESS_MAIN(TestTelemetry)
