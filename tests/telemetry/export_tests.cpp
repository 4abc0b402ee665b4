// Every export format, read back and compared with the database it came from.
#include "export_parsing.hpp"
#include "test_telemetry.hpp"

#include "telemetry/schema.hpp"
#include "telemetry/session_export.hpp"

#include <QtTest>

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace hoard::telemetry;

namespace {

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// One cell as the database holds it.
struct Cell {
    enum Kind { Null, Integer, Real, Text } kind = Null;
    int64_t integer = 0;
    double real = 0;
    std::string text;
};
struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<Cell>> rows;
};

Table read_table(Database& db, const std::string& table, int64_t id) {
    Statement s = db.prepare(table == "sessions" ? "SELECT * FROM sessions WHERE id = ?1"
                                                 : "SELECT * FROM " + table +
                                                       " WHERE session_id = ?1 ORDER BY rowid");
    s.bind(1, id);
    Table t;
    for (int c = 0; c < s.column_count(); ++c) t.columns.push_back(s.column_name(c));
    while (s.step()) {
        std::vector<Cell> row;
        for (int c = 0; c < s.column_count(); ++c) {
            Cell cell;
            if (s.is_null(c)) {
                cell.kind = Cell::Null;
            } else if (s.is_integer(c)) {
                cell.kind = Cell::Integer;
                cell.integer = s.column_int64(c);
            } else if (s.is_real(c)) {
                cell.kind = Cell::Real;
                cell.real = s.column_double(c);
            } else {
                cell.kind = Cell::Text;
                cell.text = s.column_text(c);
            }
            row.push_back(std::move(cell));
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::vector<std::string> all_tables() {
    std::vector<std::string> tables{"sessions"};
    for (const char* t : schema::kSessionTables) tables.emplace_back(t);
    return tables;
}

// A recorded session with some chat history beside it (which no export may
// carry).
int64_t recorded_session(ProfileStore& store) {
    const hoard::test::Script script = hoard::test::make_script({.decode_tokens = 24});
    const int64_t id = hoard::test::record(store, script);
    ChatHistory chat = store.chat();
    const int64_t c = chat.create_conversation({.title = "private"});
    chat.add_message({.conversation_id = c, .role = "user", .content = "secret", .session_id = id});
    return id;
}

} // namespace

void TestTelemetry::csvExportMatchesDatabase() {
    ProfileStore store = ProfileStore::open(scratch("export-csv.db"));
    const int64_t id = recorded_session(store);
    const auto folder = scratch("csv-out");
    export_session(store, id, ExportFormat::Csv, folder);
    store.with_database([&](Database& db) {
        for (const std::string& table : all_tables()) {
            const Table expected = read_table(db, table, id);
            QVERIFY2(!expected.rows.empty(), table.c_str());
            const hoard::test::CsvTable csv =
                hoard::test::parse_csv(slurp(folder / (table + ".csv")));
            QCOMPARE(csv.size(), expected.rows.size() + 1);
            QCOMPARE(csv[0], expected.columns);
            for (size_t r = 0; r < expected.rows.size(); ++r) {
                QCOMPARE(csv[r + 1].size(), expected.columns.size());
                for (size_t c = 0; c < expected.columns.size(); ++c) {
                    const Cell& cell = expected.rows[r][c];
                    const std::string& field = csv[r + 1][c];
                    const QByteArray where =
                        QByteArray::fromStdString(table + "." + expected.columns[c] + " row " +
                                                  std::to_string(r) + ": " + field);
                    switch (cell.kind) {
                    case Cell::Null:
                        QVERIFY2(field.empty(), where);
                        break;
                    case Cell::Integer:
                        QVERIFY2(field == std::to_string(cell.integer), where);
                        break;
                    case Cell::Real: {
                        double value = 0;
                        const auto parsed =
                            std::from_chars(field.data(), field.data() + field.size(), value);
                        QVERIFY2(parsed.ec == std::errc() &&
                                     parsed.ptr == field.data() + field.size(),
                                 where);
                        QVERIFY2(value == cell.real, where); // exact round trip
                        break;
                    }
                    case Cell::Text:
                        QVERIFY2(field == cell.text, where);
                        break;
                    }
                }
            }
        }
    });
    // The model name with a comma, quotes and a newline survived quoting.
    const auto sessions = hoard::test::parse_csv(slurp(folder / "sessions.csv"));
    const auto column = std::find(sessions[0].begin(), sessions[0].end(), "model_name");
    QVERIFY(column != sessions[0].end());
    QCOMPARE(sessions[1][size_t(column - sessions[0].begin())], std::string("tiny, \"moe\"\nv2"));
}

void TestTelemetry::jsonExportMatchesDatabase() {
    ProfileStore store = ProfileStore::open(scratch("export-json.db"));
    const int64_t id = recorded_session(store);
    const auto file = scratch("session.json");
    export_session(store, id, ExportFormat::Json, file);
    const nlohmann::json doc = nlohmann::json::parse(slurp(file));
    QCOMPARE(doc["format"].get<std::string>(), std::string("hoard-session"));
    QCOMPARE(doc["schema_version"].get<int>(), schema::kCurrentVersion);
    QVERIFY(!doc.contains("conversations") && !doc.contains("messages"));
    store.with_database([&](Database& db) {
        for (const std::string& table : all_tables()) {
            const Table expected = read_table(db, table, id);
            std::vector<nlohmann::json> rows;
            if (table == "sessions")
                rows.push_back(doc["session"]);
            else
                rows = doc[table].get<std::vector<nlohmann::json>>();
            QCOMPARE(rows.size(), expected.rows.size());
            for (size_t r = 0; r < rows.size(); ++r) {
                QCOMPARE(rows[r].size(), expected.columns.size());
                for (size_t c = 0; c < expected.columns.size(); ++c) {
                    const std::string& column = expected.columns[c];
                    const Cell& cell = expected.rows[r][c];
                    const QByteArray where = QByteArray::fromStdString(table + "." + column);
                    if (column.ends_with("_json")) {
                        const std::string key = column.substr(0, column.size() - 5);
                        QVERIFY2(rows[r].contains(key), where);
                        QVERIFY2(rows[r][key] == nlohmann::json::parse(cell.text), where);
                        continue;
                    }
                    QVERIFY2(rows[r].contains(column), where);
                    const nlohmann::json& v = rows[r][column];
                    switch (cell.kind) {
                    case Cell::Null:
                        QVERIFY2(v.is_null(), where);
                        break;
                    case Cell::Integer:
                        QVERIFY2(v.is_number_integer() && v.get<int64_t>() == cell.integer, where);
                        break;
                    case Cell::Real:
                        QVERIFY2(v.is_number() && v.get<double>() == cell.real, where);
                        break;
                    case Cell::Text:
                        QVERIFY2(v.is_string() && v.get<std::string>() == cell.text, where);
                        break;
                    }
                }
            }
        }
    });
    QCOMPARE(doc["session"]["settings"]["fidelity"].get<double>(), 0.9);
}

void TestTelemetry::perfettoTraceIsValid() {
    ProfileStore store = ProfileStore::open(scratch("export-trace.db"));
    const int64_t id = recorded_session(store);
    const auto file = scratch("session.trace.json");
    export_session(store, id, ExportFormat::Perfetto, file);
    const nlohmann::json trace = nlohmann::json::parse(slurp(file));
    const std::string problem = hoard::test::validate_trace(trace);
    QVERIFY2(problem.empty(), problem.c_str());

    // Which thread carries which track, from the metadata.
    std::map<int64_t, std::string> thread_names;
    for (const auto& e : trace["traceEvents"])
        if (e["ph"] == "M" && e["name"] == "thread_name")
            thread_names[e["tid"].get<int64_t>()] = e["args"]["name"];
    std::map<std::string, std::vector<nlohmann::json>> by_category;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "X") continue;
        by_category[e["cat"].get<std::string>()].push_back(e);
        const std::string& track = thread_names[e["tid"].get<int64_t>()];
        const std::string cat = e["cat"];
        const std::string wanted = cat == "decode" || cat == "prefill" ? "tokens"
                                   : cat == "layer"                    ? "layers"
                                   : cat == "cpu_expert"               ? "CPU experts"
                                   : cat == "stall"                    ? "stalls"
                                   : e["args"]["link"] == "host_to_device"
                                       ? "loads host-to-device"
                                       : "reads storage-to-host";
        QVERIFY2(track.starts_with(wanted), qPrintable(QString::fromStdString(e.dump())));
    }
    store.with_database([&](Database& db) {
        // Tokens: one event each, at the recorded times in microseconds.
        Statement t = db.prepare("SELECT token_index, t_start, t_end FROM tokens WHERE "
                                 "session_id = ?1 ORDER BY t_start");
        t.bind(1, id);
        std::vector<nlohmann::json> tokens = by_category["decode"];
        tokens.insert(tokens.begin(), by_category["prefill"].begin(), by_category["prefill"].end());
        std::sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
            return a["ts"].template get<double>() < b["ts"].template get<double>();
        });
        size_t i = 0;
        for (; t.step(); ++i) {
            QVERIFY(i < tokens.size());
            QCOMPARE(tokens[i]["args"]["token_index"].get<int64_t>(), t.column_int64(0));
            QVERIFY(std::abs(tokens[i]["ts"].get<double>() - t.column_double(1) * 1e6) < 1e-2);
            QVERIFY(std::abs(tokens[i]["dur"].get<double>() -
                             (t.column_double(2) - t.column_double(1)) * 1e6) < 1e-2);
        }
        QCOMPARE(i, tokens.size());
        auto count = [&](const std::string& sql) {
            Statement s = db.prepare(sql);
            s.bind(1, id);
            return s.step() ? size_t(s.column_int64(0)) : size_t(0);
        };
        QCOMPARE(by_category["load"].size(),
                 count("SELECT count(*) FROM transfers WHERE session_id = ?1"));
        QCOMPARE(by_category["layer"].size(),
                 count("SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'layer'"));
        QCOMPARE(by_category["cpu_expert"].size(),
                 count("SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'cpu_expert'"));
        QCOMPARE(by_category["stall"].size(),
                 count("SELECT count(*) FROM spans WHERE session_id = ?1 AND kind = 'stall'"));
        uint64_t bytes = 0;
        for (const auto& e : by_category["load"]) bytes += e["args"]["bytes"].get<uint64_t>();
        QCOMPARE(bytes, count("SELECT sum(bytes) FROM transfers WHERE session_id = ?1"));
    });
    QVERIFY(!by_category["load"].empty() && !by_category["cpu_expert"].empty() &&
            !by_category["stall"].empty());

    // The validator itself rejects what breaks the rules.
    nlohmann::json broken = trace;
    for (auto& e : broken["traceEvents"])
        if (e["ph"] == "X") {
            e["dur"] = -1;
            break;
        }
    QVERIFY(!hoard::test::validate_trace(broken).empty());
    broken = trace;
    for (auto& e : broken["traceEvents"])
        if (e["ph"] == "X" && e["cat"] == "decode") {
            e["dur"] = e["dur"].get<double>() * 1.5; // now overlaps the next token
            break;
        }
    QVERIFY(!hoard::test::validate_trace(broken).empty());
}

void TestTelemetry::sqliteExportIsStandalone() {
    ProfileStore store = ProfileStore::open(scratch("export-sqlite.db"));
    hoard::test::record(store, hoard::test::make_script({.decode_tokens = 3}));
    const int64_t id = recorded_session(store);
    const auto file = scratch("session.sqlite");
    export_session(store, id, ExportFormat::Sqlite, file);
    QVERIFY(std::filesystem::exists(file));
    QVERIFY(!std::filesystem::exists(file.string() + "-wal"));
    QVERIFY(!std::filesystem::exists(file.string() + ".part-" + std::to_string(getpid())));
    {
        Database standalone = Database::open(file, Database::Mode::ReadOnly);
        Statement mode = standalone.prepare("PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.column_text(0), std::string("delete"));
    }
    ProfileStore exported = ProfileStore::open(file);
    QCOMPARE(exported.schema_version(), schema::kCurrentVersion);
    QCOMPARE(exported.integrity_check(), std::string("ok"));
    QCOMPARE(exported.sessions().size(), size_t(1));
    QCOMPARE(exported.sessions()[0].id, id);
    QCOMPARE(exported.chat().conversations().size(), size_t(0));
    for (const std::string& table : all_tables()) {
        const Table a =
            store.with_database([&](Database& db) { return read_table(db, table, id); });
        const Table b =
            exported.with_database([&](Database& db) { return read_table(db, table, id); });
        QCOMPARE(b.columns, a.columns);
        QCOMPARE(b.rows.size(), a.rows.size());
        for (size_t r = 0; r < a.rows.size(); ++r)
            for (size_t c = 0; c < a.columns.size(); ++c) {
                const Cell &x = a.rows[r][c], &y = b.rows[r][c];
                QVERIFY(x.kind == y.kind && x.integer == y.integer && x.text == y.text &&
                        (x.real == y.real || (std::isnan(x.real) && std::isnan(y.real))));
            }
    }
}

void TestTelemetry::exportErrors() {
    ProfileStore store = ProfileStore::open(scratch("export-errors.db"));
    const int64_t id = recorded_session(store);
    QVERIFY_THROWS_EXCEPTION(hoard::Error, parse_export_format("xml"));
    QVERIFY(parse_export_format("perfetto") == ExportFormat::Perfetto);
    try {
        export_session(store, id + 100, ExportFormat::Json, scratch("none.json"));
        QFAIL("exported a session that does not exist");
    } catch (const hoard::Error& e) {
        QVERIFY2(std::string(e.what()).find("no session") != std::string::npos, e.what());
    }
    QVERIFY(!std::filesystem::exists(scratch("none.json")));
    QVERIFY_THROWS_EXCEPTION(hoard::Error, export_session(store, id, ExportFormat::Json,
                                                          scratch("no/such/folder/out.json")));
}
