#include "telemetry/schema.hpp"

#include <iterator>
#include <string>

namespace hoard::telemetry::schema {
namespace {

// Times: started_at/ended_at/updated_at/created_at are Unix time (UTC
// seconds); t_start/t_end are seconds since the session started, as the
// engine's events carry them.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: exports cite it
    started_at          REAL NOT NULL,
    ended_at            REAL,
    updated_at          REAL NOT NULL,
    status              TEXT NOT NULL DEFAULT 'recording'
                        CHECK (status IN ('recording', 'complete', 'failed')),
    error               TEXT NOT NULL DEFAULT '',
    model_path          TEXT NOT NULL,
    model_name          TEXT NOT NULL DEFAULT '',
    model_hash          TEXT NOT NULL DEFAULT '',
    hardware_json       TEXT NOT NULL DEFAULT '{}',
    device_budget_bytes INTEGER NOT NULL DEFAULT 0,
    host_budget_bytes   INTEGER NOT NULL DEFAULT 0,
    policy              TEXT NOT NULL DEFAULT '',
    settings_json       TEXT NOT NULL DEFAULT '{}',
    window_seconds      REAL NOT NULL DEFAULT 0.25,
    dropped_events      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_index INTEGER NOT NULL,
    n_tokens    INTEGER NOT NULL,
    prefill     INTEGER NOT NULL,
    t_start     REAL NOT NULL,
    t_end       REAL NOT NULL
);
CREATE INDEX tokens_by_session ON tokens(session_id, token_index);

CREATE TABLE layer_windows (
    session_id            INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    window_index          INTEGER NOT NULL,
    layer                 INTEGER NOT NULL,
    t_start               REAL NOT NULL,
    t_end                 REAL NOT NULL,
    token_first           INTEGER NOT NULL,
    token_last            INTEGER NOT NULL,
    passes                INTEGER NOT NULL,
    hit_high              INTEGER NOT NULL DEFAULT 0,
    hit_low               INTEGER NOT NULL DEFAULT 0,
    load_high             INTEGER NOT NULL DEFAULT 0,
    load_low              INTEGER NOT NULL DEFAULT 0,
    cpu                   INTEGER NOT NULL DEFAULT 0,
    skip                  INTEGER NOT NULL DEFAULT 0,
    transfers             INTEGER NOT NULL DEFAULT 0,
    prefetch_loads        INTEGER NOT NULL DEFAULT 0,
    bytes_host_to_device  INTEGER NOT NULL DEFAULT 0,
    bytes_storage_to_host INTEGER NOT NULL DEFAULT 0,
    prefetch_used         INTEGER NOT NULL DEFAULT 0,
    prefetch_unused       INTEGER NOT NULL DEFAULT 0,
    stalls                INTEGER NOT NULL DEFAULT 0,
    stall_seconds         REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, window_index, layer)
);

CREATE TABLE transfers (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_index INTEGER NOT NULL,
    layer       INTEGER NOT NULL,
    expert      INTEGER NOT NULL,
    precision   TEXT NOT NULL,
    link        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    prefetch    INTEGER NOT NULL,
    t_start     REAL NOT NULL,
    t_end       REAL NOT NULL
);
CREATE INDEX transfers_by_session ON transfers(session_id, t_start);

CREATE TABLE prefetches (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_index INTEGER NOT NULL,
    layer       INTEGER NOT NULL,
    expert      INTEGER NOT NULL,
    used        INTEGER NOT NULL
);
CREATE INDEX prefetches_by_session ON prefetches(session_id, token_index);

CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         TEXT NOT NULL,
    created_at      REAL NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
)sql";

constexpr const char* kVersion2 = R"sql(
CREATE TABLE spans (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('layer', 'cpu_expert', 'stall')),
    token_index INTEGER NOT NULL,
    layer       INTEGER NOT NULL,
    expert      INTEGER,
    t_start     REAL NOT NULL,
    t_end       REAL NOT NULL
);
CREATE INDEX spans_by_session ON spans(session_id, t_start);

ALTER TABLE sessions ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN generated_tokens INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET
    prompt_tokens = (SELECT COALESCE(SUM(n_tokens), 0) FROM tokens
                     WHERE tokens.session_id = sessions.id AND prefill <> 0),
    generated_tokens = (SELECT COALESCE(SUM(n_tokens), 0) FROM tokens
                        WHERE tokens.session_id = sessions.id AND prefill = 0);
CREATE INDEX sessions_by_model_hash ON sessions(model_hash);

ALTER TABLE layer_windows ADD COLUMN cpu_seconds REAL NOT NULL DEFAULT 0;

ALTER TABLE conversations ADD COLUMN system_prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN settings_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN model_path TEXT NOT NULL DEFAULT '';

ALTER TABLE messages ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN tokens_per_second REAL;
ALTER TABLE messages ADD COLUMN time_to_first_token REAL;
CREATE INDEX messages_by_session ON messages(session_id);
)sql";

// kSteps[v] takes a database from version v to v + 1.
constexpr const char* kSteps[] = {kVersion1, kVersion2};
static_assert(std::size(kSteps) == kCurrentVersion);

void apply_step(Database& db, int from) {
    Transaction transaction(db);
    // Another process may have migrated while we waited for the write lock.
    if (db.user_version() != from) return;
    db.exec(kSteps[from]);
    db.exec("PRAGMA user_version = " + std::to_string(from + 1));
    transaction.commit();
}

} // namespace

void migrate(Database& db) {
    for (;;) {
        const int version = db.user_version();
        if (version > kCurrentVersion)
            throw Error(db.path().string() + " was written by a newer version of Hoard (schema " +
                        std::to_string(version) + "; this one reads up to " +
                        std::to_string(kCurrentVersion) + ")");
        if (version < 0) throw Error(db.path().string() + " is not a Hoard profile database");
        if (version == kCurrentVersion) return;
        apply_step(db, version);
    }
}

void create_at_version(Database& db, int version) {
    if (version < 1 || version > kCurrentVersion)
        throw Error("no profile database schema version " + std::to_string(version));
    if (db.user_version() != 0) throw Error(db.path().string() + " is not empty");
    for (int from = 0; from < version; ++from) apply_step(db, from);
}

} // namespace hoard::telemetry::schema
