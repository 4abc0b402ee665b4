// Crash safety: a recording process killed with SIGKILL, a disk that fills up
// (a real tmpfs where the system lets us mount one, else the store's size
// cap), and a read-only folder (a read-only bind mount, else dropped
// privileges or plain permissions).
#include "child_process.hpp"
#include "test_telemetry.hpp"

#include "telemetry/synthetic_stream.hpp"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace hoard::telemetry;
using Clock = std::chrono::steady_clock;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

struct Published {
    uint32_t token_index;
    double time; // steady clock, shared by parent and child
};

// The child: records a synthetic decode loop, reporting each flushed pass.
[[noreturn]] void record_until_killed(const std::filesystem::path& path, int report_fd) {
    try {
        ProfileStore store = ProfileStore::open(path);
        EventBus bus;
        Recorder recorder = store.begin_session({.model_path = "crash.gguf"}, bus,
                                                {.commit_interval_seconds = 0.25});
        SyntheticStream stream({.layers = 8, .seconds_per_token = 0.01});
        const auto give_up = Clock::now() + std::chrono::seconds(60);
        while (Clock::now() < give_up) {
            const uint32_t token = stream.next_token();
            stream.publish_pass(bus);
            bus.flush();
            const Published p{token, now_seconds()};
            if (write(report_fd, &p, sizeof p) != sizeof p) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    } catch (...) {
    }
    _exit(3);
}

std::string fill_until_full(const std::filesystem::path& path, StoreOptions options) {
    ProfileStore store = ProfileStore::open(path, options);
    EventBus bus;
    std::atomic<int> callbacks{0};
    std::string reported;
    Recorder recorder = store.begin_session(
        {.model_path = "full.gguf"}, bus,
        {.commit_interval_seconds = 0.05, .on_error = [&](const std::string& message) {
             reported = message;
             ++callbacks;
         }});
    SyntheticStream stream({.layers = 16, .seconds_per_token = 0.01});
    double slowest = 0;
    auto timed_pass = [&] {
        const auto start = Clock::now();
        stream.publish_pass(bus);
        bus.flush();
        slowest = std::max(slowest, std::chrono::duration<double>(Clock::now() - start).count());
    };
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (!recorder.failed() && Clock::now() < give_up) {
        timed_pass();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (!recorder.failed()) return "recording never stopped although the disk was full";
    // Generation goes on, unharmed and never waiting.
    for (int i = 0; i < 500; ++i) timed_pass();
    recorder.end();
    const std::string error = recorder.error();
    if (error.find("full") == std::string::npos) return "unclear error: " + error;
    if (callbacks.load() != 1)
        return "on_error called " + std::to_string(callbacks.load()) + " times";
    if (reported != error) return "callback said \"" + reported + "\", error() \"" + error + "\"";
    if (slowest > 0.05) return "a flush took " + std::to_string(slowest) + " s";
    if (recorder.recording()) return "still says it is recording";
    const std::string integrity = store.integrity_check();
    if (integrity != "ok") return "integrity_check: " + integrity;
    const auto session = store.session(recorder.session_id());
    if (!session) return "the session row is gone";
    std::fprintf(stderr, "full disk: \"%s\"; session status %s, %llu tokens recorded\n",
                 error.c_str(), session->status.c_str(),
                 static_cast<unsigned long long>(session->generated_tokens));
    return {};
}

std::string expect_refusal(const std::filesystem::path& path, const std::string& wanted) {
    try {
        ProfileStore store = ProfileStore::open(path);
        EventBus bus;
        Recorder recorder = store.begin_session({.model_path = "ro.gguf"}, bus);
        return "could record into " + path.string();
    } catch (const hoard::Error& e) {
        if (std::string(e.what()).find(wanted) == std::string::npos)
            return path.string() + ": unclear error: " + e.what();
        std::fprintf(stderr, "read-only: %s\n", e.what());
        return {};
    }
}

} // namespace

void TestTelemetry::sigkillLosesAtMostOneSecond() {
    const auto path = scratch("killed.db");
    int fds[2];
    QVERIFY(pipe(fds) == 0);
    const pid_t pid = fork();
    QVERIFY(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        record_until_killed(path, fds[1]);
    }
    close(fds[1]);
    std::vector<Published> published;
    auto read_reports = [&](int timeout_ms) {
        pollfd pfd{fds[0], POLLIN, 0};
        if (poll(&pfd, 1, timeout_ms) <= 0) return false;
        Published p;
        if (read(fds[0], &p, sizeof p) != sizeof p) return false;
        published.push_back(p);
        return true;
    };
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    // Let it record for 2.5 s after its first pass.
    while (published.empty() && Clock::now() < give_up) read_reports(100);
    while (!published.empty() && now_seconds() < published.front().time + 2.5 &&
           Clock::now() < give_up)
        read_reports(10);
    const double killed_at = now_seconds();
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    while (read_reports(0)) {
    }
    close(fds[0]);
    QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child ended by itself");
    QVERIFY2(published.size() > 50, "the child published too little to judge");

    ProfileStore store = ProfileStore::open(path);
    QCOMPARE(store.integrity_check(), std::string("ok"));
    const auto sessions = store.sessions();
    QCOMPARE(sessions.size(), size_t(1));
    QVERIFY(!sessions[0].ended_at.has_value()); // it never got to end()
    std::set<uint32_t> stored;
    store.with_database([&](Database& db) {
        Statement s = db.prepare("SELECT token_index FROM tokens WHERE session_id = ?1");
        s.bind(1, sessions[0].id);
        while (s.step()) stored.insert(static_cast<uint32_t>(s.column_int64(0)));
        Statement w = db.prepare("SELECT count(*) FROM layer_windows WHERE session_id = ?1");
        w.bind(1, sessions[0].id);
        QVERIFY(w.step());
        QVERIFY(w.column_int64(0) > 0);
    });
    size_t required = 0, lost = 0;
    double oldest_lost = 0;
    for (const Published& p : published) {
        if (stored.count(p.token_index)) continue;
        ++lost;
        oldest_lost = std::max(oldest_lost, killed_at - p.time);
    }
    for (const Published& p : published) {
        if (p.time > killed_at - 1.0) continue;
        ++required;
        QVERIFY2(stored.count(p.token_index),
                 qPrintable(QString("token %1, published %2 s before the kill, was lost")
                                .arg(p.token_index)
                                .arg(killed_at - p.time)));
    }
    QVERIFY(required > 0);
    QVERIFY(stored.size() <= published.size());
    qInfo("SIGKILL: %zu passes published, %zu stored, %zu lost (the oldest %.3f s before the kill)",
          published.size(), stored.size(), lost, oldest_lost);
}

void TestTelemetry::fullDiskStopsRecording() {
    const auto folder = scratch("small-disk");
    std::filesystem::create_directories(folder);
    const std::string result = hoard::test::run_in_child([&]() -> std::string {
        StoreOptions options;
        if (hoard::test::enter_private_mount_namespace() &&
            hoard::test::mount_small_tmpfs(folder.string(), 512 << 10)) {
            std::fprintf(stderr, "full disk: a 512 KiB tmpfs\n");
        } else {
            // No mount permission: the same error path through SQLite's page cap.
            std::fprintf(stderr, "full disk: cannot mount a tmpfs here; capping the file\n");
            options.max_database_bytes = 512 << 10;
        }
        return fill_until_full(folder / "hoard.db", options);
    });
    QVERIFY2(result.empty(), result.c_str());
}

void TestTelemetry::sizeLimitStopsRecording() {
    const std::string result =
        fill_until_full(scratch("capped.db"), {.max_database_bytes = 400 << 10});
    QVERIFY2(result.empty(), result.c_str());
}

void TestTelemetry::readOnlyFolderIsReported() {
    const auto folder = scratch("locked-folder");
    std::filesystem::create_directories(folder);
    const auto existing = folder / "hoard.db";
    const hoard::test::Script script = hoard::test::make_script({.decode_tokens = 5});
    {
        ProfileStore store = ProfileStore::open(existing);
        hoard::test::record(store, script);
    }
    const std::string root = tmp_.path().toStdString();
    const std::string result = hoard::test::run_in_child([&]() -> std::string {
        if (hoard::test::enter_private_mount_namespace() &&
            hoard::test::bind_read_only(folder.string())) {
            std::fprintf(stderr, "read-only: a read-only bind mount\n");
        } else {
            chmod(folder.c_str(), 0555);
            chmod(existing.c_str(), 0444);
            if (geteuid() == 0) {
                // Root ignores permissions: become nobody for the check.
                chmod(root.c_str(), 0755);
                if (setgid(65534) != 0 || setuid(65534) != 0)
                    return "cannot drop privileges to make the folder read-only";
                std::fprintf(stderr, "read-only: permissions, as user nobody\n");
            } else {
                std::fprintf(stderr, "read-only: folder permissions\n");
            }
        }
        for (const auto& [path, wanted] :
             {std::pair{existing, std::string("read-only")},
              std::pair{folder / "new.db", std::string("read-only")},
              std::pair{folder / "sub" / "hoard.db", std::string("cannot create the folder")}}) {
            if (std::string problem = expect_refusal(path, wanted); !problem.empty())
                return problem;
        }
        // The engine goes on publishing; nobody listens.
        EventBus bus;
        hoard::test::play(bus, script);
        return {};
    });
    chmod(folder.c_str(), 0755);
    chmod(existing.c_str(), 0644);
    QVERIFY2(result.empty(), result.c_str());
    // The refusal left the existing database intact.
    ProfileStore store = ProfileStore::open(existing);
    QCOMPARE(store.integrity_check(), std::string("ok"));
    QCOMPARE(store.sessions().size(), size_t(1));
    QCOMPARE(store.sessions()[0].generated_tokens, script.generated_tokens);
}
