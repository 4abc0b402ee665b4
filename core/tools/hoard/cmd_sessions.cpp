// hoard sessions list | show ID | export ID --format F -o PATH | delete ID |
// record -m MODEL | demo | bench: the profiling store from the command line,
// through the public facade (hoard/profiling.hpp); only demo and bench, which
// exist to exercise the recorder itself, use its internals.
#include "cli_common.hpp"

#include "hoard/error.hpp"
#include "hoard/profiling.hpp"
#include "telemetry/profile_store.hpp"
#include "telemetry/recorder_benchmark.hpp"
#include "telemetry/synthetic_stream.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace hoard::cli {
namespace {

std::string db_path; // --db; empty: the user's data folder

std::filesystem::path store_path() {
    return db_path.empty() ? ProfileStore::default_path() : std::filesystem::path(db_path);
}

// Reading commands never create a database where there was none.
ProfileStore open_store(bool create = false) {
    const std::filesystem::path path = store_path();
    std::error_code ec;
    if (!create && !std::filesystem::exists(path, ec))
        throw Error("no profile database at " + path.string() +
                    " (sessions are recorded there; --db chooses another file)");
    return ProfileStore::open(path);
}

std::string local_time(double unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string bytes_text(double bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    size_t u = 0;
    while (bytes >= 1000 && u + 1 < std::size(units)) bytes /= 1000, ++u;
    char text[32];
    std::snprintf(text, sizeof text, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
    return text;
}

RecordedSession require_session(const ProfileStore& store, int64_t id) {
    auto session = store.session(id);
    if (!session)
        throw Error("no session " + std::to_string(id) + " in " + store.path().string() +
                    " (see `hoard sessions list`)");
    return *session;
}

unsigned long long ull(uint64_t v) {
    return static_cast<unsigned long long>(v);
}

void list_sessions() {
    std::error_code ec;
    if (!std::filesystem::exists(store_path(), ec)) {
        std::printf("no recorded sessions (no database at %s yet)\n", store_path().c_str());
        return;
    }
    ProfileStore store = open_store();
    const auto sessions = store.sessions();
    if (sessions.empty()) {
        std::printf("no recorded sessions in %s\n", store.path().c_str());
        return;
    }
    std::printf("%6s  %-19s  %-11s  %9s  %13s  %8s  %s\n", "ID", "STARTED", "STATUS", "DURATION",
                "PROMPT+DECODE", "HIT RATE", "MODEL");
    for (const RecordedSession& s : sessions) {
        const double duration = s.ended_at.value_or(s.updated_at) - s.started_at;
        const std::string tokens =
            std::to_string(s.prompt_tokens) + "+" + std::to_string(s.generated_tokens);
        char hit_rate[16] = "-";
        if (s.total.selections())
            std::snprintf(hit_rate, sizeof hit_rate, "%.1f %%", 100 * s.total.hit_rate());
        std::printf("%6lld  %-19s  %-11s  %8.1fs  %13s  %8s  %s\n", static_cast<long long>(s.id),
                    local_time(s.started_at).c_str(), s.status.c_str(), duration, tokens.c_str(),
                    hit_rate, (s.model_name.empty() ? s.model_path : s.model_name).c_str());
    }
}

void show_session(int64_t id) {
    ProfileStore store = open_store();
    const RecordedSession s = require_session(store, id);
    std::printf("session %lld: %s\n", static_cast<long long>(s.id), s.status.c_str());
    if (!s.error.empty()) std::printf("  error:     %s\n", s.error.c_str());
    std::printf("  model:     %s\n             %s  %s\n", s.model_name.c_str(),
                s.model_path.c_str(), s.model_hash.c_str());
    std::printf("  started:   %s", local_time(s.started_at).c_str());
    if (s.ended_at)
        std::printf("   ended: %s (%.1f s)\n", local_time(*s.ended_at).c_str(),
                    *s.ended_at - s.started_at);
    else
        std::printf("   last write: %s\n", local_time(s.updated_at).c_str());
    std::printf("  hardware:  %s\n", s.hardware_json.c_str());
    std::printf("  budget:    device %s, host %s; policy %s\n",
                bytes_text(double(s.device_budget_bytes)).c_str(),
                bytes_text(double(s.host_budget_bytes)).c_str(),
                s.policy.empty() ? "-" : s.policy.c_str());
    std::printf("  settings:  %s\n", s.settings_json.c_str());
    std::printf("  dropped:   %llu events\n", ull(s.dropped_events));
    std::printf("  tokens:    %llu prompt (prefill), %llu in decode steps", ull(s.prompt_tokens),
                ull(s.generated_tokens));
    if (s.prefill_seconds > 0)
        std::printf("; prefill %.1f tokens/s", s.prefill_tokens_per_second());
    if (s.decode_seconds > 0) std::printf("; decode %.1f tokens/s", s.decode_tokens_per_second());
    std::printf("\n");

    const LayerActivity& t = s.total;
    if (t.selections() == 0 && t.transfers == 0) {
        std::printf("  experts:   no expert events were recorded\n");
        return;
    }
    std::printf("  experts:   %llu selected: hit high %llu, hit low %llu, load high %llu, "
                "load low %llu, cpu %llu, skip %llu; hit rate %.1f %%\n",
                ull(t.selections()), ull(t.hit_high), ull(t.hit_low), ull(t.load_high),
                ull(t.load_low), ull(t.cpu), ull(t.skip), 100.0 * t.hit_rate());
    std::printf("  link:      %llu transfers; host-to-device %s, storage-to-host %s\n",
                ull(t.transfers), bytes_text(double(t.bytes_host_to_device)).c_str(),
                bytes_text(double(t.bytes_storage_to_host)).c_str());
    if (const uint64_t p = t.prefetch_used + t.prefetch_unused)
        std::printf("  prefetch:  %llu of %llu used (%.1f %%)\n", ull(t.prefetch_used), ull(p),
                    100.0 * double(t.prefetch_used) / double(p));
    std::printf("  stalls:    %llu, %.3f s\n", ull(t.stalls), t.stall_seconds);
    std::printf("  %5s  %9s  %9s  %6s  %6s  %6s  %10s  %8s\n", "layer", "hit rate", "selected",
                "loads", "cpu", "low", "to device", "stall s");
    for (size_t layer = 0; layer < s.layers.size(); ++layer) {
        const LayerActivity& a = s.layers[layer];
        if (a.selections() == 0 && a.transfers == 0 && a.stalls == 0) continue;
        std::printf("  %5zu  %7.1f %%  %9llu  %6llu  %6llu  %6llu  %10s  %8.3f\n", layer,
                    100.0 * a.hit_rate(), ull(a.selections()), ull(a.load_high + a.load_low),
                    ull(a.cpu), ull(a.hit_low + a.load_low),
                    bytes_text(double(a.bytes_host_to_device)).c_str(), a.stall_seconds);
    }
}

void record_session(const std::string& model_path, const std::string& prompt, int32_t n_tokens,
                    size_t n_threads) {
    const std::filesystem::path path = store_path();
    Loaded loaded = load(model_path, n_threads);
    const std::vector<int32_t> tokens = loaded.model->tokenize(prompt, true, false);
    auto session = loaded.engine->create_session(loaded.model);
    GenerationParams params;
    params.max_tokens = n_tokens;
    params.sampling = SamplingParams::greedy();
    params.stop_at_end_of_generation = false;
    // The same path as `hoard run`: the engine publishes, the facade records.
    Recording recording = Recording::start(
        *session, path,
        {.generation = params,
         .extra_settings_json = nlohmann::json{{"command", "sessions record"}}.dump()});
    if (recording.failed()) throw Error(recording.error());
    const GenerationStats stats = session->generate(tokens, params, {});
    recording.stop();
    if (recording.failed()) throw Error(recording.error());
    std::printf("recorded session %lld in %s: %zu prompt tokens, %zu generated at %.1f tokens/s\n",
                static_cast<long long>(recording.session_id()), path.c_str(), stats.prompt_tokens,
                stats.generated_tokens, stats.decode_tokens_per_second());
}

// Made-up offload events of a Mixtral-like model, to try the tools (and the
// app's views) before the offload engine records real ones.
void record_demo(uint32_t n_tokens) {
    using namespace hoard::telemetry;
    telemetry::ProfileStore store = telemetry::ProfileStore::open(store_path());
    EventBus bus;
    SessionInfo info;
    info.model_path = "(synthetic)";
    info.model_name = "synthetic mixtral-like stream";
    info.device_budget_bytes = 12ull << 30;
    info.policy = "synthetic";
    Recorder recorder = store.begin_session(info, bus);
    SyntheticStream stream({.layers = 32, .seconds_per_token = 0.08});
    stream.publish_pass(bus, 64, true);
    bus.flush();
    for (uint32_t t = 0; t < n_tokens; ++t) {
        stream.publish_pass(bus);
        bus.flush();
        while (recorder.queued_events() > 4096)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    recorder.end();
    if (recorder.failed()) throw Error(recorder.error());
    std::printf("recorded synthetic session %lld in %s: 64 prompt tokens, %u decode steps\n",
                static_cast<long long>(recorder.session_id()), store.path().c_str(), n_tokens);
}

void run_benchmark() {
    using namespace hoard::telemetry;
    const std::filesystem::path scratch =
        std::filesystem::temp_directory_path() /
        ("hoard-recorder-bench-" + std::to_string(getpid()) + ".db");
    auto cleanup = [&] {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(scratch.string() + suffix, ec);
    };
    RecorderBenchmark b;
    try {
        b = measure_recorder_overhead(scratch);
    } catch (...) {
        cleanup();
        throw;
    }
    cleanup();
    std::printf("stream:           %.0f events per decode step (synthetic: 32 layers, top-2)\n",
                b.events_per_token);
    std::printf("publisher:        %.1f ns/event recording, %.1f ns/event with nobody listening\n",
                b.publish_ns_per_event_recording, b.publish_ns_per_event_baseline);
    std::printf("writer:           %.0f events/s sustained, %.0f ns CPU and %.1f bytes on disk "
                "per event\n",
                b.sustained_events_per_second, b.writer_cpu_ns_per_event,
                b.database_bytes_per_event);
    std::printf("per decode step:  %.1f us on the engine thread, %.1f us on the writer thread\n",
                b.publish_ns_per_event_recording * b.events_per_token * 1e-3,
                b.writer_cpu_ns_per_event * b.events_per_token * 1e-3);
    std::printf("decode-like loop: 20 ms of compute per step: %.2f tokens/s without recording, "
                "%.2f with (%.2f %% slower)\n",
                b.decode_tokens_per_second_without, b.decode_tokens_per_second_with,
                b.decode_overhead * 100);
}

} // namespace

void register_sessions(CLI::App& app) {
    auto* cmd = app.add_subcommand("sessions", "Recorded sessions: list, show, export, delete");
    cmd->require_subcommand(1);
    // --db is accepted before or after the subcommand's name.
    auto add_db = [](CLI::App* app) {
        app->add_option("--db", db_path,
                        "Profile database (default: $HOARD_DATA_DIR/hoard.db, else "
                        "$XDG_DATA_HOME/hoard/hoard.db, else ~/.local/share/hoard/hoard.db)");
    };
    add_db(cmd);

    auto* list = cmd->add_subcommand("list", "List recorded sessions, newest first");
    list->callback(list_sessions);

    static int64_t id = 0;
    auto* show = cmd->add_subcommand("show", "Show one session and its per-layer statistics");
    show->add_option("id", id, "Session id")->required();
    show->callback([] { show_session(id); });

    static std::string format, output;
    auto* exp = cmd->add_subcommand("export", "Export a session");
    exp->add_option("id", id, "Session id")->required();
    exp->add_option("--format", format, "csv (a folder), json, perfetto or sqlite")->required();
    exp->add_option("-o,--output", output, "Where to write it")->required();
    exp->callback([] {
        const SessionExportFormat f = parse_session_export_format(format);
        ProfileStore store = open_store();
        require_session(store, id);
        store.export_session(id, f, output);
        std::printf("wrote session %lld as %s to %s\n", static_cast<long long>(id), format.c_str(),
                    output.c_str());
    });

    auto* del = cmd->add_subcommand("delete", "Delete a session and everything recorded in it");
    del->add_option("id", id, "Session id")->required();
    del->callback([] {
        ProfileStore store = open_store();
        if (!store.delete_session(id))
            throw Error("no session " + std::to_string(id) + " in " + store.path().string());
        std::printf("deleted session %lld\n", static_cast<long long>(id));
    });

    static std::string model_path, prompt = "The quick brown fox";
    static int32_t n_tokens = 32;
    static size_t n_threads = 0;
    auto* rec = cmd->add_subcommand(
        "record", "Generate greedily from a prompt and record the session (routing and timings)");
    rec->add_option("-m,--model", model_path, "GGUF model file")->required();
    rec->add_option("-p,--prompt", prompt, "Prompt text")->capture_default_str();
    rec->add_option("-n,--n-predict", n_tokens, "Tokens to generate")->capture_default_str();
    rec->add_option("-t,--threads", n_threads, "Worker threads (0: all cores)");
    rec->callback([] { record_session(model_path, prompt, n_tokens, n_threads); });

    static uint32_t demo_tokens = 100;
    auto* demo = cmd->add_subcommand(
        "demo", "Record a synthetic offload session (made-up events), to try the tools");
    demo->add_option("-n,--n-predict", demo_tokens, "Decode steps")->capture_default_str();
    demo->callback([] { record_demo(demo_tokens); });

    cmd->add_subcommand("bench", "Measure the recorder's overhead on a synthetic decode stream")
        ->callback(run_benchmark);
    for (CLI::App* sub : {list, show, exp, del, rec, demo}) add_db(sub);
}

} // namespace hoard::cli
