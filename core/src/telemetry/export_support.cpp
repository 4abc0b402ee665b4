#include "telemetry/export_support.hpp"

#include <sqlite3.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>
#include <unistd.h>

namespace hoard::telemetry::detail {

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
    temporary_ = path_;
    temporary_ += ".part-" + std::to_string(getpid());
    out_.open(temporary_, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error("cannot write " + path_.string() + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
    if (committed_) return;
    out_.close();
    std::error_code ec;
    std::filesystem::remove(temporary_, ec);
}

void AtomicFile::commit() {
    out_.flush();
    const bool ok = static_cast<bool>(out_);
    const int saved_errno = errno;
    out_.close();
    if (!ok || out_.fail())
        throw Error("cannot write " + path_.string() + ": " +
                    (saved_errno ? std::strerror(saved_errno) : "write failed"));
    std::error_code ec;
    std::filesystem::rename(temporary_, path_, ec);
    if (ec) throw Error("cannot write " + path_.string() + ": " + ec.message());
    committed_ = true;
}

std::string format_real(double value) {
    if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
    std::array<char, 64> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), result.ptr);
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string csv_value(const Statement& row, int column) {
    if (row.is_null(column)) return {};
    if (row.is_integer(column)) return std::to_string(row.column_int64(column));
    if (row.is_real(column)) return format_real(row.column_double(column));
    return csv_field(row.column_text(column));
}

std::vector<std::string> table_columns(Database& db, const std::string& table) {
    Statement s = db.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
    s.bind(1, table);
    std::vector<std::string> columns;
    while (s.step()) columns.push_back(s.column_text(0));
    if (columns.empty()) throw Error(db.path().string() + " has no table " + table);
    return columns;
}

void require_session(Database& db, int64_t session_id) {
    Statement s = db.prepare("SELECT 1 FROM sessions WHERE id = ?1");
    s.bind(1, session_id);
    if (!s.step())
        throw Error("no session " + std::to_string(session_id) + " in " + db.path().string());
}

ReadSnapshot::ReadSnapshot(Database& db) : db_(db) {
    db_.exec("BEGIN");
}

ReadSnapshot::~ReadSnapshot() {
    sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
}

} // namespace hoard::telemetry::detail
