#pragma once
// Pieces the exporters share: writing a file atomically, formatting values,
// reading a table's columns, and a read snapshot of the database.
#include "telemetry/sqlite_db.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hoard::telemetry::detail {

// Writes to a temporary file beside `path`; commit() renames it into place.
// Without commit() the temporary file is removed.
class AtomicFile {
  public:
    explicit AtomicFile(std::filesystem::path path);
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();
    std::ostream& out() { return out_; }
    const std::filesystem::path& temporary_path() const { return temporary_; }
    void commit();

  private:
    std::filesystem::path path_, temporary_;
    std::ofstream out_;
    bool committed_ = false;
};

// The shortest text that reads back to the same double.
std::string format_real(double value);
// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& text);
// The column `column` of the current row as CSV text (empty for NULL).
std::string csv_value(const Statement& row, int column);

std::vector<std::string> table_columns(Database& db, const std::string& table);
// Throws hoard::Error when there is no such session.
void require_session(Database& db, int64_t session_id);

// A read transaction: one consistent snapshot while a recorder writes.
class ReadSnapshot {
  public:
    explicit ReadSnapshot(Database& db);
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;
    ~ReadSnapshot();

  private:
    Database& db_;
};

} // namespace hoard::telemetry::detail
