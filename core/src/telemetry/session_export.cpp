#include "telemetry/session_export.hpp"

#include "telemetry/export_support.hpp"
#include "telemetry/schema.hpp"

#include <sqlite3.h>

#include <system_error>
#include <unistd.h>

namespace hoard::telemetry {
namespace {

std::string joined(const std::vector<std::string>& columns) {
    std::string out;
    for (const std::string& c : columns) out += (out.empty() ? "\"" : ", \"") + c + "\"";
    return out;
}

} // namespace

ExportFormat parse_export_format(std::string_view name) {
    if (name == "csv") return ExportFormat::Csv;
    if (name == "json") return ExportFormat::Json;
    if (name == "perfetto" || name == "trace") return ExportFormat::Perfetto;
    if (name == "sqlite") return ExportFormat::Sqlite;
    throw Error("unknown export format \"" + std::string(name) +
                "\" (expected csv, json, perfetto or sqlite)");
}

void export_session(const ProfileStore& store, int64_t session_id, ExportFormat format,
                    const std::filesystem::path& destination) {
    switch (format) {
    case ExportFormat::Csv:
        return export_csv(store, session_id, destination);
    case ExportFormat::Json:
        return export_json(store, session_id, destination);
    case ExportFormat::Perfetto:
        return export_perfetto(store, session_id, destination);
    case ExportFormat::Sqlite:
        return export_sqlite(store, session_id, destination);
    }
}

void export_sqlite(const ProfileStore& store, int64_t session_id,
                   const std::filesystem::path& file) {
    store.with_database([&](Database& db) { detail::require_session(db, session_id); });
    std::filesystem::path temporary = file;
    temporary += ".part-" + std::to_string(getpid());
    auto remove_temporary = [&] {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(temporary.string() + suffix, ec);
    };
    remove_temporary();
    try {
        {
            Database out = Database::open(temporary);
            schema::migrate(out);
        }
        store.with_database([&](Database& db) {
            Statement attach = db.prepare("ATTACH DATABASE ?1 AS export_target");
            attach.bind(1, temporary.string()).run();
            try {
                Transaction transaction(db);
                const std::vector<std::string> session_columns =
                    detail::table_columns(db, "sessions");
                db.prepare("INSERT INTO export_target.sessions (" + joined(session_columns) +
                           ") SELECT " + joined(session_columns) +
                           " FROM main.sessions WHERE id = ?1")
                    .bind(1, session_id)
                    .run();
                for (const char* table : schema::kSessionTables) {
                    const std::string columns = joined(detail::table_columns(db, table));
                    db.prepare("INSERT INTO export_target." + std::string(table) + " (" + columns +
                               ") SELECT " + columns + " FROM main." + table +
                               " WHERE session_id = ?1 ORDER BY rowid")
                        .bind(1, session_id)
                        .run();
                }
                transaction.commit();
            } catch (...) {
                sqlite3_exec(db.handle(), "DETACH DATABASE export_target", nullptr, nullptr,
                             nullptr);
                throw;
            }
            db.exec("DETACH DATABASE export_target");
        });
        {
            // One self-contained file to share: no -wal beside it.
            Database out = Database::open(temporary, Database::Mode::ReadWrite);
            out.exec("PRAGMA journal_mode = DELETE");
        }
        std::error_code ec;
        std::filesystem::rename(temporary, file, ec);
        if (ec) throw Error("cannot write " + file.string() + ": " + ec.message());
    } catch (...) {
        remove_temporary();
        throw;
    }
}

} // namespace hoard::telemetry
