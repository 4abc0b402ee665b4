// hoard sessions list | show ID | export ID --format F -o PATH | delete ID |
// record -m MODEL | demo | bench: the profiling store from the command line.
#include "cli_common.hpp"

#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "model/routing_observer.hpp"
#include "telemetry/profile_store.hpp"
#include "telemetry/recorder_benchmark.hpp"
#include "telemetry/session_export.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace hoard::cli {
namespace {

using namespace hoard::telemetry;
using Clock = std::chrono::steady_clock;

std::string db_path; // --db; empty: the user's data folder

std::filesystem::path store_path() {
    return db_path.empty() ? default_database_path() : std::filesystem::path(db_path);
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

SessionRecord require_session(const ProfileStore& store, int64_t id) {
    auto session = store.session(id);
    if (!session)
        throw Error("no session " + std::to_string(id) + " in " + store.path().string() +
                    " (see `hoard sessions list`)");
    return *session;
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
    std::printf("%6s  %-19s  %-11s  %9s  %13s  %s\n", "ID", "STARTED", "STATUS", "DURATION",
                "PROMPT+DECODE", "MODEL");
    for (const SessionRecord& s : sessions) {
        const double duration = s.ended_at.value_or(s.updated_at) - s.started_at;
        const std::string tokens =
            std::to_string(s.prompt_tokens) + "+" + std::to_string(s.generated_tokens);
        std::printf("%6lld  %-19s  %-11s  %8.1fs  %13s  %s\n", static_cast<long long>(s.id),
                    local_time(s.started_at).c_str(), s.status.c_str(), duration, tokens.c_str(),
                    (s.model_name.empty() ? s.model_path : s.model_name).c_str());
    }
}

void show_session(int64_t id) {
    ProfileStore store = open_store();
    const SessionRecord s = require_session(store, id);
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
    std::printf("  hardware:  %s\n", s.hardware.dump().c_str());
    std::printf("  budget:    device %s, host %s; policy %s\n",
                bytes_text(double(s.device_budget_bytes)).c_str(),
                bytes_text(double(s.host_budget_bytes)).c_str(),
                s.policy.empty() ? "-" : s.policy.c_str());
    std::printf("  settings:  %s\n", s.settings.dump().c_str());
    std::printf("  dropped:   %llu events\n", static_cast<unsigned long long>(s.dropped_events));
    store.with_database([&](Database& db) {
        Statement speed = db.prepare(
            "SELECT sum(n_tokens), sum(t_end - t_start), prefill FROM tokens WHERE session_id = ?1 "
            "GROUP BY prefill ORDER BY prefill DESC");
        speed.bind(1, id);
        std::printf("  tokens:    %llu prompt (prefill), %llu in decode steps",
                    static_cast<unsigned long long>(s.prompt_tokens),
                    static_cast<unsigned long long>(s.generated_tokens));
        while (speed.step())
            if (speed.column_double(1) > 0)
                std::printf("; %s %.1f tokens/s", speed.column_int64(2) ? "prefill" : "decode",
                            double(speed.column_int64(0)) / speed.column_double(1));
        std::printf("\n");

        Statement layers = db.prepare(
            "SELECT layer, sum(hit_high), sum(hit_low), sum(load_high), sum(load_low), sum(cpu), "
            "sum(skip), sum(bytes_host_to_device), sum(bytes_storage_to_host), sum(transfers), "
            "sum(prefetch_used), sum(prefetch_unused), sum(stalls), sum(stall_seconds) "
            "FROM layer_windows WHERE session_id = ?1 GROUP BY layer ORDER BY layer");
        layers.bind(1, id);
        int64_t totals[12] = {};
        double stall_seconds = 0;
        std::string table;
        while (layers.step()) {
            int64_t v[12];
            for (int c = 0; c < 12; ++c) v[c] = layers.column_int64(c + 1);
            const double stall = layers.column_double(13);
            for (int c = 0; c < 12; ++c) totals[c] += v[c];
            stall_seconds += stall;
            const int64_t selected = v[0] + v[1] + v[2] + v[3] + v[4] + v[5];
            char line[200];
            std::snprintf(line, sizeof line,
                          "  %5lld  %7.1f %%  %9lld  %6lld  %6lld  %6lld  %10s  %8.3f\n",
                          static_cast<long long>(layers.column_int64(0)),
                          selected ? 100.0 * double(v[0] + v[1]) / double(selected) : 0.0,
                          static_cast<long long>(selected), static_cast<long long>(v[2] + v[3]),
                          static_cast<long long>(v[4]), static_cast<long long>(v[1] + v[3]),
                          bytes_text(double(v[6])).c_str(), stall);
            table += line;
        }
        const int64_t selected =
            totals[0] + totals[1] + totals[2] + totals[3] + totals[4] + totals[5];
        if (selected == 0 && totals[8] == 0) {
            std::printf("  experts:   no expert events were recorded\n");
            return;
        }
        std::printf("  experts:   %lld selected: hit high %lld, hit low %lld, load high %lld, "
                    "load low %lld, cpu %lld, skip %lld; hit rate %.1f %%\n",
                    static_cast<long long>(selected), static_cast<long long>(totals[0]),
                    static_cast<long long>(totals[1]), static_cast<long long>(totals[2]),
                    static_cast<long long>(totals[3]), static_cast<long long>(totals[4]),
                    static_cast<long long>(totals[5]),
                    selected ? 100.0 * double(totals[0] + totals[1]) / double(selected) : 0.0);
        std::printf("  link:      %lld transfers; host-to-device %s, storage-to-host %s\n",
                    static_cast<long long>(totals[8]), bytes_text(double(totals[6])).c_str(),
                    bytes_text(double(totals[7])).c_str());
        if (const int64_t p = totals[9] + totals[10])
            std::printf("  prefetch:  %lld of %lld used (%.1f %%)\n",
                        static_cast<long long>(totals[9]), static_cast<long long>(p),
                        100.0 * double(totals[9]) / double(p));
        std::printf("  stalls:    %lld, %.3f s\n", static_cast<long long>(totals[11]),
                    stall_seconds);
        std::printf("  %5s  %9s  %9s  %6s  %6s  %6s  %10s  %8s\n", "layer", "hit rate", "selected",
                    "loads", "cpu", "low", "to device", "stall s");
        std::fputs(table.c_str(), stdout);
    });
}

// Until the runtime publishes offload events, `record` watches the CPU
// engine's routing: every selected expert is resident in the file's own
// precision (a high-precision hit), layers are timed between routing calls,
// and each forward pass ends at its token callback.
class RoutingPublisher final : public model::RoutingObserver {
  public:
    RoutingPublisher(EventBus& bus, Clock::time_point start) : bus_(bus), start_(start) {}

    void on_routing(const model::RoutingDecision& d) override {
        const double now = seconds();
        if (d.layer != current_layer_ || !in_pass_) {
            if (in_pass_) close_layer(now);
            current_layer_ = d.layer;
            layer_start_ = now;
            layer_position_ = d.position;
            in_pass_ = true;
        }
        first_position_ = std::min(first_position_, d.position);
        last_position_ = std::max(last_position_, d.position);
        for (size_t k = 0; k < d.experts.size(); ++k)
            bus_.publish(
                ExpertEvent{static_cast<uint32_t>(d.position), static_cast<uint16_t>(d.layer),
                            static_cast<uint16_t>(d.experts[k]),
                            k < d.weights.size() ? d.weights[k] : 0.0f, ExpertAction::HitHigh});
    }

    // The token callback: the pass that produced it has ended.
    void end_pass() {
        const double now = seconds();
        if (in_pass_) close_layer(now);
        if (first_position_ <= last_position_) {
            const auto n = static_cast<uint32_t>(last_position_ - first_position_ + 1);
            bus_.publish(TokenEvent{static_cast<uint32_t>(first_position_), n, n > 1 || first_,
                                    pass_start_, now});
        }
        bus_.flush();
        first_ = false;
        in_pass_ = false;
        pass_start_ = now;
        first_position_ = SIZE_MAX;
        last_position_ = 0;
    }

  private:
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
    void close_layer(double now) {
        bus_.publish(LayerEvent{static_cast<uint32_t>(layer_position_),
                                static_cast<uint16_t>(current_layer_), layer_start_, now});
    }

    EventBus& bus_;
    Clock::time_point start_;
    bool in_pass_ = false, first_ = true;
    size_t current_layer_ = 0, layer_position_ = 0;
    size_t first_position_ = SIZE_MAX, last_position_ = 0;
    double layer_start_ = 0, pass_start_ = 0;
};

void record_session(const std::string& model_path, const std::string& prompt, int32_t n_tokens,
                    size_t n_threads) {
    ProfileStore store = open_store(true);
    Loaded loaded = load(model_path, n_threads);
    const std::vector<int32_t> tokens = loaded.model->tokenize(prompt, true, false);
    auto session = loaded.engine->create_session(loaded.model);
    EventBus bus;
    SessionInfo info;
    info.model_path = std::filesystem::absolute(model_path).string();
    info.model_name = std::filesystem::path(model_path).stem().string();
    info.policy = "cpu (all experts resident)";
    info.settings = {{"prompt", prompt},
                     {"max_tokens", n_tokens},
                     {"sampling", "greedy"},
                     {"threads", loaded.engine->n_threads()}};
    const auto start = Clock::now();
    RoutingPublisher publisher(bus, start);
    model::Model& model = *loaded.model->impl().model;
    model.set_routing_observer(&publisher);
    Recorder recorder = store.begin_session(info, bus);
    GenerationParams params;
    params.max_tokens = n_tokens;
    params.sampling = SamplingParams::greedy();
    params.stop_at_end_of_generation = false;
    GenerationStats stats;
    try {
        stats = session->generate(tokens, params, [&](int32_t, std::string_view) {
            publisher.end_pass();
            return true;
        });
    } catch (...) {
        model.set_routing_observer(nullptr);
        throw;
    }
    model.set_routing_observer(nullptr);
    recorder.end();
    if (recorder.failed()) throw Error(recorder.error());
    std::printf("recorded session %lld in %s: %zu prompt tokens, %zu generated at %.1f tokens/s\n",
                static_cast<long long>(recorder.session_id()), store.path().c_str(),
                stats.prompt_tokens, stats.generated_tokens, stats.decode_tokens_per_second());
}

// Made-up offload events of a Mixtral-like model, to try the tools (and the
// app's views) before the offload engine records real ones.
void record_demo(uint32_t n_tokens) {
    ProfileStore store = open_store(true);
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
        const ExportFormat f = parse_export_format(format);
        ProfileStore store = open_store();
        require_session(store, id);
        export_session(store, id, f, output);
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
