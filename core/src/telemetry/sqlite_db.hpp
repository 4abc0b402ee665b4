#pragma once
// A thin owner of one SQLite connection and its prepared statements, turning
// SQLite's result codes into hoard::Error messages a user can act on ("the
// disk is full", "read-only") rather than bare codes.
#include "hoard/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hoard::telemetry {

// An error from SQLite; code() is the extended result code.
class DatabaseError : public Error {
  public:
    DatabaseError(const std::string& message, int code) : Error(message), code_(code) {}
    int code() const { return code_; }
    bool is_busy() const;
    bool is_disk_full() const;
    bool is_read_only() const;

  private:
    int code_;
};

class Statement {
  public:
    Statement() = default;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are numbered from 1, as in SQL.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::nullptr_t);
    // For text that outlives the statement's use (string literals): no copy.
    Statement& bind_static(int index, const char* text);
    Statement& bind(int index, const std::optional<int64_t>& value);
    Statement& bind(int index, const std::optional<double>& value);

    // Returns true while a row is available; false once done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    int column_count() const;
    std::string column_name(int column) const;
    bool is_null(int column) const;
    bool is_integer(int column) const;
    bool is_real(int column) const;
    int64_t column_int64(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;
    std::optional<int64_t> column_optional_int64(int column) const;
    std::optional<double> column_optional_double(int column) const;

  private:
    friend class Database;
    Statement(sqlite3_stmt* statement, class Database* database)
        : statement_(statement), database_(database) {}
    sqlite3_stmt* statement_ = nullptr;
    class Database* database_ = nullptr;
};

class Database {
  public:
    enum class Mode { ReadWriteCreate, ReadWrite, ReadOnly };

    // Opens `path` in WAL mode with foreign keys on and `busy_timeout_ms` of
    // patience for other writers. `max_bytes` (0: none) caps the file's size;
    // writes past it fail as a full disk would.
    static Database open(const std::filesystem::path& path, Mode mode = Mode::ReadWriteCreate,
                         int busy_timeout_ms = 5000, uint64_t max_bytes = 0);

    Database() = default;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    bool is_open() const { return db_ != nullptr; }
    const std::filesystem::path& path() const { return path_; }
    sqlite3* handle() { return db_; }

    void exec(const std::string& sql);
    Statement prepare(std::string_view sql);
    int64_t last_insert_rowid() const;
    int changes() const;
    int user_version();
    // Runs PRAGMA integrity_check; returns "ok" or the problems found.
    std::string integrity_check();

    // Throws the DatabaseError for a failed call: `rc` is its result code and
    // `action` says what was being done ("recording", "opening").
    [[noreturn]] void fail(int rc, std::string_view action) const;

  private:
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

// BEGIN IMMEDIATE on construction; rolls back unless commit() was called.
class Transaction {
  public:
    explicit Transaction(Database& db);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

  private:
    Database& db_;
    bool open_ = true;
};

} // namespace hoard::telemetry
