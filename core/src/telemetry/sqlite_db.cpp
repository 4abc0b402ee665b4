#include "telemetry/sqlite_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace hoard::telemetry {
namespace {

// SQLite reports a failed open() or write() through a few generic codes; the
// operating system's errno says what actually happened.
int classify(int rc, int system_errno) {
    const int primary = rc & 0xff;
    if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_PERM) {
        if (system_errno == ENOSPC || system_errno == EDQUOT) return SQLITE_FULL;
        if (system_errno == EROFS || system_errno == EACCES || system_errno == EPERM)
            return SQLITE_READONLY;
    }
    return rc;
}

std::string describe(int rc, int system_errno, std::string_view action,
                     const std::filesystem::path& path, const char* sqlite_message) {
    const std::string where = path.string();
    std::string prefix = std::string(action) + ": ";
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return prefix + "the disk holding " + where +
               " is full (or the database reached its size limit)";
    case SQLITE_READONLY:
        return prefix + where + " is read-only (its folder or file system does not allow writing" +
               (system_errno ? std::string(": ") + std::strerror(system_errno) : std::string()) +
               ")";
    case SQLITE_CANTOPEN:
        return prefix + "cannot open " + where +
               (system_errno ? std::string(": ") + std::strerror(system_errno) : std::string());
    case SQLITE_NOTADB:
        return prefix + where + " is not a Hoard profile database (not an SQLite file)";
    case SQLITE_CORRUPT:
        return prefix + where + " is damaged (" + sqlite_message + ")";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return prefix + where + " is locked by another program; try again";
    case SQLITE_IOERR:
        return prefix + "input/output error on " + where +
               (system_errno ? std::string(": ") + std::strerror(system_errno)
                             : std::string(" (") + sqlite_message + ")");
    default:
        return prefix + where + ": " + sqlite_message;
    }
}

} // namespace

bool DatabaseError::is_busy() const {
    return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED;
}
bool DatabaseError::is_disk_full() const {
    return (code_ & 0xff) == SQLITE_FULL;
}
bool DatabaseError::is_read_only() const {
    return (code_ & 0xff) == SQLITE_READONLY;
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)), database_(other.database_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(statement_);
        statement_ = std::exchange(other.statement_, nullptr);
        database_ = other.database_;
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(statement_);
}

Statement& Statement::bind(int index, int64_t value) {
    if (int rc = sqlite3_bind_int64(statement_, index, value); rc != SQLITE_OK)
        database_->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (int rc = sqlite3_bind_double(statement_, index, value); rc != SQLITE_OK)
        database_->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (int rc = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
        rc != SQLITE_OK)
        database_->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind_static(int index, const char* text) {
    if (int rc = sqlite3_bind_text(statement_, index, text, -1, SQLITE_STATIC); rc != SQLITE_OK)
        database_->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
    if (int rc = sqlite3_bind_null(statement_, index); rc != SQLITE_OK)
        database_->fail(rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
}

Statement& Statement::bind(int index, const std::optional<double>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
}

bool Statement::step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const bool reads = sqlite3_stmt_readonly(statement_) != 0;
    sqlite3_reset(statement_);
    database_->fail(rc, reads ? "reading the profile database" : "writing the profile database");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

int Statement::column_count() const {
    return sqlite3_column_count(statement_);
}

std::string Statement::column_name(int column) const {
    const char* name = sqlite3_column_name(statement_, column);
    return name ? name : "";
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}
bool Statement::is_integer(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_INTEGER;
}
bool Statement::is_real(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_FLOAT;
}

int64_t Statement::column_int64(int column) const {
    return sqlite3_column_int64(statement_, column);
}

double Statement::column_double(int column) const {
    return sqlite3_column_double(statement_, column);
}

std::string Statement::column_text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    const int size = sqlite3_column_bytes(statement_, column);
    return text ? std::string(text, static_cast<size_t>(size)) : std::string();
}

std::optional<int64_t> Statement::column_optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_int64(column);
}

std::optional<double> Statement::column_optional_double(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_double(column);
}

// ---- Database ----

Database Database::open(const std::filesystem::path& path, Mode mode, int busy_timeout_ms,
                        uint64_t max_bytes) {
    // Memory statistics take a process-wide mutex on every allocation; nobody
    // here reads them. Only possible before SQLite's first use in the process
    // (otherwise this is a harmless no-op).
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    Database database;
    database.path_ = path;
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (mode) {
    case Mode::ReadWriteCreate:
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    case Mode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case Mode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    }
    const int rc = sqlite3_open_v2(path.c_str(), &database.db_, flags, nullptr);
    if (rc != SQLITE_OK) database.fail(rc, "opening the profile database");
    sqlite3_extended_result_codes(database.db_, 1);
    sqlite3_busy_timeout(database.db_, busy_timeout_ms);
    // SQLite silently falls back to read-only when the file cannot be written.
    if (mode != Mode::ReadOnly && sqlite3_db_readonly(database.db_, "main") == 1)
        throw DatabaseError(describe(SQLITE_READONLY, 0, "opening the profile database", path, ""),
                            SQLITE_READONLY);
    database.exec("PRAGMA foreign_keys = ON");
    if (mode != Mode::ReadOnly) {
        // WAL: readers (the app, `hoard sessions`) never wait for the recorder,
        // and a killed process leaves a database that opens. NORMAL sync loses
        // nothing on a process crash, only the last commits on power loss.
        database.exec("PRAGMA journal_mode = WAL");
        database.exec("PRAGMA synchronous = NORMAL");
        if (max_bytes > 0) {
            Statement page_size = database.prepare("PRAGMA page_size");
            const int64_t page = page_size.step() ? page_size.column_int64(0) : 4096;
            const uint64_t pages = std::max<uint64_t>(1, max_bytes / uint64_t(page));
            database.exec("PRAGMA max_page_count = " + std::to_string(pages));
        }
    }
    return database;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

Database::~Database() {
    sqlite3_close_v2(db_);
}

void Database::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) fail(rc, "writing the profile database");
}

Statement Database::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
    if (rc != SQLITE_OK) fail(rc, "preparing a query on the profile database");
    return Statement(statement, this);
}

int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
    return sqlite3_changes(db_);
}

int Database::user_version() {
    Statement statement = prepare("PRAGMA user_version");
    return statement.step() ? static_cast<int>(statement.column_int64(0)) : 0;
}

std::string Database::integrity_check() {
    Statement statement = prepare("PRAGMA integrity_check");
    std::string result;
    while (statement.step()) {
        if (!result.empty()) result += "; ";
        result += statement.column_text(0);
    }
    return result;
}

void Database::fail(int rc, std::string_view action) const {
    const int system_errno = db_ ? sqlite3_system_errno(db_) : 0;
    const char* message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    const int code = classify(rc, system_errno);
    throw DatabaseError(describe(code, system_errno, action, path_, message), code);
}

// ---- Transaction ----

Transaction::Transaction(Database& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

} // namespace hoard::telemetry
