#include "telemetry/profile_store.hpp"

#include "telemetry/host_description.hpp"
#include "telemetry/model_fingerprint.hpp"
#include "telemetry/schema.hpp"
#include "telemetry/session_writer.hpp"

#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>
#include <unistd.h>

namespace hoard::telemetry {
namespace {

// A session still "recording" whose row has not been touched for this long
// belongs to a process that died (the recorder touches it every 5 s).
constexpr double kInterruptedAfterSeconds = 60;

int64_t clamp_to_int64(uint64_t v) {
    return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}

nlohmann::json parse_json_column(const std::string& text) {
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    return value.is_discarded() ? nlohmann::json(text) : value;
}

constexpr const char* kSessionQuery =
    "SELECT id, started_at, ended_at, updated_at, "
    "CASE WHEN status = 'recording' AND updated_at < ?1 THEN 'interrupted' ELSE status END, "
    "error, model_path, model_name, model_hash, hardware_json, device_budget_bytes, "
    "host_budget_bytes, policy, settings_json, window_seconds, dropped_events, prompt_tokens, "
    "generated_tokens FROM sessions ";

SessionRecord read_session(const Statement& s) {
    SessionRecord r;
    r.id = s.column_int64(0);
    r.started_at = s.column_double(1);
    r.ended_at = s.column_optional_double(2);
    r.updated_at = s.column_double(3);
    r.status = s.column_text(4);
    r.error = s.column_text(5);
    r.model_path = s.column_text(6);
    r.model_name = s.column_text(7);
    r.model_hash = s.column_text(8);
    r.hardware = parse_json_column(s.column_text(9));
    r.device_budget_bytes = static_cast<uint64_t>(std::max<int64_t>(0, s.column_int64(10)));
    r.host_budget_bytes = static_cast<uint64_t>(std::max<int64_t>(0, s.column_int64(11)));
    r.policy = s.column_text(12);
    r.settings = parse_json_column(s.column_text(13));
    r.window_seconds = s.column_double(14);
    r.dropped_events = static_cast<uint64_t>(std::max<int64_t>(0, s.column_int64(15)));
    r.prompt_tokens = static_cast<uint64_t>(std::max<int64_t>(0, s.column_int64(16)));
    r.generated_tokens = static_cast<uint64_t>(std::max<int64_t>(0, s.column_int64(17)));
    return r;
}

} // namespace

ProfileStore ProfileStore::open(const std::filesystem::path& path, StoreOptions options) {
    if (path.empty()) throw Error("no path given for the profile database");
    if (path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec)
            throw Error("cannot create the folder " + path.parent_path().string() +
                        " for the profile database: " + ec.message());
    }
    // SQLite reports a file it could not create in a read-only folder as "no
    // such file"; ask the folder itself for a clear answer.
    std::error_code exists_error;
    if (!std::filesystem::exists(path, exists_error)) {
        const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
        if (access(folder.c_str(), W_OK) != 0 && (errno == EROFS || errno == EACCES))
            throw Error("cannot create the profile database " + path.string() + ": the folder " +
                        folder.string() + " is read-only (" + std::strerror(errno) + ")");
    }
    auto connection = std::make_shared<StoreConnection>();
    connection->options = options;
    connection->db = Database::open(path, Database::Mode::ReadWriteCreate, options.busy_timeout_ms,
                                    options.max_database_bytes);
    schema::migrate(connection->db);
    return ProfileStore(std::move(connection));
}

const std::filesystem::path& ProfileStore::path() const {
    return connection_->db.path();
}

int ProfileStore::schema_version() const {
    return with_database([](Database& db) { return db.user_version(); });
}

Recorder ProfileStore::begin_session(const SessionInfo& info, EventBus& bus,
                                     RecorderOptions options) {
    std::string hash = info.model_hash;
    if (hash.empty() && !info.model_path.empty()) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(info.model_path, ec)) {
            try {
                hash = model_fingerprint(info.model_path);
            } catch (const Error&) {
                // Unreadable now: the session is still worth recording.
            }
        }
    }
    const nlohmann::json hardware = info.hardware.is_null() ? describe_host() : info.hardware;
    const nlohmann::json settings =
        info.settings.is_null() ? nlohmann::json::object() : info.settings;

    const int64_t id = with_database([&](Database& db) {
        const double now = unix_now();
        db.prepare("INSERT INTO sessions (started_at, updated_at, model_path, model_name, "
                   "model_hash, hardware_json, device_budget_bytes, host_budget_bytes, policy, "
                   "settings_json, window_seconds) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                   "?9, ?10)")
            .bind(1, now)
            .bind(2, info.model_path)
            .bind(3, info.model_name)
            .bind(4, hash)
            .bind(5, hardware.dump())
            .bind(6, clamp_to_int64(info.device_budget_bytes))
            .bind(7, clamp_to_int64(info.host_budget_bytes))
            .bind(8, info.policy)
            .bind(9, settings.dump())
            .bind(10, options.window_seconds)
            .run();
        return db.last_insert_rowid();
    });
    try {
        return Recorder::start(path(), connection_->options.max_database_bytes, id, bus,
                               std::move(options));
    } catch (const Error& e) {
        with_database([&](Database& db) {
            try {
                db.prepare("UPDATE sessions SET status = 'failed', error = ?2, ended_at = ?3 "
                           "WHERE id = ?1")
                    .bind(1, id)
                    .bind(2, std::string("recording could not start: ") + e.what())
                    .bind(3, unix_now())
                    .run();
            } catch (const Error&) {
            }
        });
        throw;
    }
}

std::vector<SessionRecord> ProfileStore::sessions() const {
    return with_database([](Database& db) {
        Statement s = db.prepare(std::string(kSessionQuery) + "ORDER BY started_at DESC, id DESC");
        s.bind(1, unix_now() - kInterruptedAfterSeconds);
        std::vector<SessionRecord> out;
        while (s.step()) out.push_back(read_session(s));
        return out;
    });
}

std::optional<SessionRecord> ProfileStore::session(int64_t id) const {
    return with_database([id](Database& db) -> std::optional<SessionRecord> {
        Statement s = db.prepare(std::string(kSessionQuery) + "WHERE id = ?2");
        s.bind(1, unix_now() - kInterruptedAfterSeconds).bind(2, id);
        if (!s.step()) return std::nullopt;
        return read_session(s);
    });
}

bool ProfileStore::delete_session(int64_t id) {
    return with_database([id](Database& db) {
        db.prepare("DELETE FROM sessions WHERE id = ?1").bind(1, id).run();
        return db.changes() > 0;
    });
}

std::string ProfileStore::integrity_check() {
    return with_database([](Database& db) { return db.integrity_check(); });
}

} // namespace hoard::telemetry
