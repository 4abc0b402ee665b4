// Every export of a real session, read back and compared with what the store
// says about it.
#include "test_profiling.hpp"

#include "../telemetry/export_parsing.hpp"
#include "hoard/error.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace hoard;
using hoard::test::greedy_params;

namespace {

constexpr size_t kLayers = 4;

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A CSV table as rows keyed by the header's column names.
std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& path) {
    const test::CsvTable table = test::parse_csv(slurp(path));
    std::vector<std::map<std::string, std::string>> rows;
    if (table.empty()) return rows;
    for (size_t r = 1; r < table.size(); ++r) {
        std::map<std::string, std::string> row;
        for (size_t c = 0; c < table[0].size() && c < table[r].size(); ++c)
            row[table[0][c]] = table[r][c];
        rows.push_back(std::move(row));
    }
    return rows;
}

double real(const std::string& text) {
    return std::strtod(text.c_str(), nullptr);
}

uint64_t integer(const std::string& text) {
    return std::strtoull(text.c_str(), nullptr, 10);
}

// Records one greedy generation of `model` into `store`; returns its id.
int64_t record_generation(ProfileStore& store, Engine& engine, std::shared_ptr<Model> model,
                          const std::vector<int32_t>& prompt) {
    auto session = engine.create_session(model, 128);
    const GenerationParams params = greedy_params(16, 8);
    Recording recording = store.record(*session, {.generation = params});
    test::generate_tokens(*session, prompt, params);
    recording.stop();
    return recording.failed() ? 0 : recording.session_id();
}

// Complete ("X") events of the trace by category.
std::map<std::string, size_t> trace_categories(const nlohmann::json& trace) {
    std::map<std::string, size_t> out;
    for (const auto& e : trace.at("traceEvents"))
        if (e.at("ph") == "X") ++out[e.at("cat").get<std::string>()];
    return out;
}

} // namespace

void TestProfiling::exportsOfARealSession() {
    ProfileStore store = ProfileStore::open(scratch("exports.db"));
    const int64_t id = record_generation(store, *engine_, cpu_model_, ref_.prompt);
    QVERIFY(id > 0);
    const RecordedSession session = *store.session(id);
    const std::vector<RecordedPass> passes = store.passes(id);
    const std::vector<RecordedLayerWindow> windows = store.layer_windows(id);
    QCOMPARE(passes.size(), size_t(20));

    // CSV: one file per table, the same rows and values (reals read back exactly).
    const auto csv = scratch("export-csv");
    store.export_session(id, SessionExportFormat::Csv, csv);
    const auto sessions_csv = read_csv(csv / "sessions.csv");
    QCOMPARE(sessions_csv.size(), size_t(1));
    QCOMPARE(integer(sessions_csv[0].at("id")), uint64_t(id));
    QCOMPARE(sessions_csv[0].at("model_hash"), session.model_hash);
    QCOMPARE(sessions_csv[0].at("status"), std::string("complete"));
    QCOMPARE(nlohmann::json::parse(sessions_csv[0].at("settings_json")),
             nlohmann::json::parse(session.settings_json));
    const auto tokens_csv = read_csv(csv / "tokens.csv");
    QCOMPARE(tokens_csv.size(), passes.size());
    for (size_t i = 0; i < passes.size(); ++i) {
        QCOMPARE(integer(tokens_csv[i].at("token_index")), uint64_t(passes[i].token_index));
        QCOMPARE(integer(tokens_csv[i].at("n_tokens")), uint64_t(passes[i].n_tokens));
        QCOMPARE(integer(tokens_csv[i].at("prefill")), uint64_t(passes[i].prefill));
        QCOMPARE(real(tokens_csv[i].at("t_start")), passes[i].t_start);
        QCOMPARE(real(tokens_csv[i].at("t_end")), passes[i].t_end);
    }
    const auto windows_csv = read_csv(csv / "layer_windows.csv");
    QCOMPARE(windows_csv.size(), windows.size());
    std::map<uint64_t, uint64_t> hits_by_layer;
    for (size_t i = 0; i < windows.size(); ++i) {
        QCOMPARE(integer(windows_csv[i].at("layer")), uint64_t(windows[i].layer));
        QCOMPARE(integer(windows_csv[i].at("hit_high")), windows[i].activity.hit_high);
        QCOMPARE(real(windows_csv[i].at("t_end")), windows[i].t_end);
        hits_by_layer[integer(windows_csv[i].at("layer"))] +=
            integer(windows_csv[i].at("hit_high"));
    }
    QCOMPARE(hits_by_layer.size(), kLayers);
    for (const auto& [layer, hits] : hits_by_layer) QCOMPARE(hits, session.layers[layer].hit_high);
    QCOMPARE(read_csv(csv / "spans.csv").size(), passes.size() * kLayers); // layer spans
    QVERIFY(read_csv(csv / "transfers.csv").empty());                      // nothing moved

    // JSON: one document with the same rows.
    const auto json_file = scratch("export.json");
    store.export_session(id, SessionExportFormat::Json, json_file);
    const nlohmann::json doc = nlohmann::json::parse(slurp(json_file));
    QCOMPARE(doc.at("format").get<std::string>(), std::string("hoard-session"));
    QCOMPARE(doc.at("session").at("id").get<int64_t>(), id);
    QCOMPARE(doc.at("session").at("settings").at("engine").get<std::string>(), std::string("cpu"));
    QCOMPARE(doc.at("session").at("generated_tokens").get<uint64_t>(), uint64_t(16));
    QCOMPARE(doc.at("tokens").size(), passes.size());
    for (size_t i = 0; i < passes.size(); ++i) {
        QCOMPARE(doc["tokens"][i].at("token_index").get<uint32_t>(), passes[i].token_index);
        QCOMPARE(doc["tokens"][i].at("t_end").get<double>(), passes[i].t_end);
    }
    QCOMPARE(doc.at("layer_windows").size(), windows.size());
    uint64_t json_selections = 0;
    for (const auto& w : doc["layer_windows"]) json_selections += w.at("hit_high").get<uint64_t>();
    QCOMPARE(json_selections, session.total.selections());

    // Perfetto: a valid trace-event file with a token per pass and a layer
    // span per layer of each pass.
    const auto trace_file = scratch("export.trace.json");
    store.export_session(id, SessionExportFormat::Perfetto, trace_file);
    const nlohmann::json trace = nlohmann::json::parse(slurp(trace_file));
    const std::string problem = test::validate_trace(trace);
    QVERIFY2(problem.empty(), problem.c_str());
    const auto categories = trace_categories(trace);
    QCOMPARE(categories.at("prefill") + categories.at("decode"), passes.size());
    QCOMPARE(categories.at("decode"), size_t(16));
    QCOMPARE(categories.at("layer"), passes.size() * kLayers);

    // SQLite: a standalone database holding just this session.
    const auto sqlite_file = scratch("export.sqlite");
    store.export_session(id, SessionExportFormat::Sqlite, sqlite_file);
    {
        ProfileStore copy = ProfileStore::open(sqlite_file);
        const auto listed = copy.sessions();
        QCOMPARE(listed.size(), size_t(1));
        const RecordedSession& s = listed[0];
        QCOMPARE(s.model_hash, session.model_hash);
        QCOMPARE(s.total.selections(), session.total.selections());
        const auto copied_passes = copy.passes(s.id);
        QCOMPARE(copied_passes.size(), passes.size());
        for (size_t i = 0; i < passes.size(); ++i)
            QCOMPARE(copied_passes[i].t_start, passes[i].t_start);
        QCOMPARE(copy.layer_windows(s.id).size(), windows.size());
        QVERIFY(copy.conversations().empty());
    }

    // An offloaded session's trace has its loads on their own track.
    const auto offloaded = test::load_offloaded(*engine_, ref_, scratch("sidecars"));
    const int64_t off_id = record_generation(store, *engine_, offloaded, ref_.prompt);
    QVERIFY(off_id > 0);
    const auto off_trace_file = scratch("offload.trace.json");
    store.export_session(off_id, SessionExportFormat::Perfetto, off_trace_file);
    const nlohmann::json off_trace = nlohmann::json::parse(slurp(off_trace_file));
    const std::string off_problem = test::validate_trace(off_trace);
    QVERIFY2(off_problem.empty(), off_problem.c_str());
    const auto off_categories = trace_categories(off_trace);
    QVERIFY(off_categories.count("load") && off_categories.at("load") > 0);
    QCOMPARE(off_categories.at("load"), size_t(store.session(off_id)->total.transfers));

    // Keep copies for people to look at, when asked.
    if (const char* keep = std::getenv("HOARD_PROFILING_EXAMPLES"); keep && *keep) {
        const std::filesystem::path dir = keep;
        std::filesystem::create_directories(dir);
        store.export_session(id, SessionExportFormat::Csv, dir / "cpu-csv");
        store.export_session(id, SessionExportFormat::Json, dir / "cpu.json");
        store.export_session(id, SessionExportFormat::Perfetto, dir / "cpu.trace.json");
        store.export_session(id, SessionExportFormat::Sqlite, dir / "cpu.sqlite");
        store.export_session(off_id, SessionExportFormat::Json, dir / "offload.json");
        store.export_session(off_id, SessionExportFormat::Perfetto, dir / "offload.trace.json");
    }

    QVERIFY_THROWS_EXCEPTION(
        Error, store.export_session(id + 1000, SessionExportFormat::Json, scratch("none.json")));
}
