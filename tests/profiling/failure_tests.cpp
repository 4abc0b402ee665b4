// Recording that cannot start (a read-only folder) or that runs out of room
// (a full disk) is reported, and generation goes on producing exactly what it
// produces unrecorded. Each case runs in a forked child, where a read-only
// bind mount or a small tmpfs cannot leak into the test process (with
// fallbacks where mounting is not permitted).
#include "test_profiling.hpp"

#include "../telemetry/child_process.hpp"
#include "hoard/error.hpp"

#include <QtTest>

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>

using namespace hoard;
using hoard::test::greedy_params;

namespace {

using Clock = std::chrono::steady_clock;

// Writes zeros to `file` until the file system has at most `keep` bytes free.
bool fill_disk(const std::filesystem::path& file, uint64_t keep) {
    struct statvfs fs {};
    if (statvfs(file.parent_path().c_str(), &fs) != 0) return false;
    const uint64_t available = uint64_t(fs.f_bavail) * fs.f_frsize;
    if (available <= keep) return true;
    std::ofstream out(file, std::ios::binary);
    const std::vector<char> zeros(4096, 0);
    for (uint64_t left = available - keep; left >= zeros.size(); left -= zeros.size())
        if (!out.write(zeros.data(), std::streamsize(zeros.size()))) break;
    return true;
}

} // namespace

void TestProfiling::readOnlyFolderLeavesGenerationUnharmed() {
    const auto folder = scratch("locked");
    std::filesystem::create_directories(folder);
    const auto existing = folder / "hoard.db";
    ProfileStore::open(existing); // a database that was there before
    const std::string root = tmp_.path().toStdString();
    const test::Reference ref = ref_;
    const std::string result = test::run_in_child([&]() -> std::string {
        if (test::enter_private_mount_namespace() && test::bind_read_only(folder.string())) {
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
        Engine engine(Engine::Options{2});
        const auto model = engine.load_model(ref.model);
        for (const auto& path : {existing, folder / "new.db"}) {
            auto session = engine.create_session(model, 128);
            std::atomic<int> errors{0};
            Recording recording = Recording::start(
                *session, path, {.on_error = [&](const std::string&) { ++errors; }});
            if (!recording.failed() || recording.active())
                return "recording started in a read-only folder: " + path.string();
            if (recording.error().find("read-only") == std::string::npos)
                return "unclear error: " + recording.error();
            if (recording.session_id() != 0) return "a session id without a session";
            std::fprintf(stderr, "read-only: %s\n", recording.error().c_str());
            if (test::generate_tokens(*session, ref.prompt, greedy_params(16)) != ref.greedy)
                return "generation changed while recording could not start";
            recording.stop();
            if (errors.load() != 0) return "on_error was called for a failure to start";
        }
        return {};
    });
    chmod(folder.c_str(), 0755);
    chmod(existing.c_str(), 0644);
    chmod(root.c_str(), 0700);
    QVERIFY2(result.empty(), result.c_str());
    // The refusal left the database as it was.
    QVERIFY(ProfileStore::open(existing).sessions().empty());
}

void TestProfiling::fullDiskLeavesGenerationUnharmed() {
    const auto folder = scratch("small-disk");
    std::filesystem::create_directories(folder);
    const test::Reference ref = ref_;
    const std::string result = test::run_in_child([&]() -> std::string {
        const auto path = folder / "hoard.db";
        // Room for a few commits once the database exists: a real full disk
        // (a small tmpfs, then a file filling it), else SQLite's size cap.
        ProfileStoreOptions options;
        if (test::enter_private_mount_namespace() &&
            test::mount_small_tmpfs(folder.string(), 2 << 20)) {
            ProfileStore::open(path);
            if (!fill_disk(folder / "filler", 48 << 10)) return "cannot fill the tmpfs";
            std::fprintf(stderr, "full disk: a tmpfs filled to 48 KiB free\n");
        } else {
            ProfileStore::open(path);
            options.max_database_bytes = std::filesystem::file_size(path) + (48 << 10);
            std::fprintf(stderr, "full disk: cannot mount a tmpfs here; capping the file\n");
        }
        ProfileStore store = ProfileStore::open(path, options);

        Engine engine(Engine::Options{2});
        const auto model = engine.load_model(ref.model);
        auto session = engine.create_session(model, 4096);
        std::mutex mutex;
        std::string reported;
        std::atomic<int> errors{0};
        const GenerationParams params = greedy_params(4000);
        Recording recording =
            store.record(*session, {.generation = params, .on_error = [&](const std::string& m) {
                                        std::lock_guard lock(mutex);
                                        reported = m;
                                        ++errors;
                                    }});
        if (!recording.active()) return "recording did not start: " + recording.error();
        // Generate until well after recording stopped, timing every token.
        std::vector<int32_t> recorded;
        size_t after_failure = 0;
        double slowest = 0;
        auto last = Clock::now();
        session->generate(ref.prompt, params, [&](int32_t token, std::string_view) {
            const auto now = Clock::now();
            slowest = std::max(slowest, std::chrono::duration<double>(now - last).count());
            last = now;
            if (token >= 0) recorded.push_back(token);
            return !(recording.failed() && ++after_failure >= 100);
        });
        recording.stop();
        if (!recording.failed())
            return "recording never stopped although the disk was full (" +
                   std::to_string(recorded.size()) + " tokens)";
        const std::string error = recording.error();
        std::fprintf(stderr, "full disk: \"%s\" after %zu tokens\n", error.c_str(),
                     recorded.size() - after_failure);
        if (error.find("full") == std::string::npos) return "unclear error: " + error;
        if (errors.load() != 1)
            return "on_error called " + std::to_string(errors.load()) + " times";
        if (reported != error)
            return "on_error said \"" + reported + "\", error() \"" + error + "\"";
        if (slowest > 1.0) return "a token took " + std::to_string(slowest) + " s";

        // Exactly the tokens of an unrecorded run of the same length.
        session->reset();
        const std::vector<int32_t> reference =
            test::generate_tokens(*session, ref.prompt, greedy_params(int32_t(recorded.size())));
        if (reference != recorded) return "generation changed when the disk filled up";
        const auto s = store.session(recording.session_id());
        if (!s) return "the session row is gone";
        if (s->status == "complete") return "a failed recording says it is complete";
        return {};
    });
    QVERIFY2(result.empty(), result.c_str());
}
