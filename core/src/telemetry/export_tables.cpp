// The CSV and JSON exports: the session's rows as the database holds them.
#include "telemetry/export_support.hpp"
#include "telemetry/schema.hpp"
#include "telemetry/session_export.hpp"

#include <system_error>

namespace hoard::telemetry {
namespace {

using detail::AtomicFile;

// One row as a JSON object; "*_json" text columns are embedded as values.
nlohmann::json row_json(const Statement& row) {
    nlohmann::json object = nlohmann::json::object();
    for (int c = 0; c < row.column_count(); ++c) {
        std::string name = row.column_name(c);
        nlohmann::json value;
        if (row.is_null(c)) {
            value = nullptr;
        } else if (row.is_integer(c)) {
            value = row.column_int64(c);
        } else if (row.is_real(c)) {
            value = row.column_double(c);
        } else {
            value = row.column_text(c);
            constexpr std::string_view suffix = "_json";
            if (name.size() > suffix.size() && name.ends_with(suffix)) {
                nlohmann::json parsed =
                    nlohmann::json::parse(value.get<std::string>(), nullptr, false);
                if (!parsed.is_discarded()) {
                    value = std::move(parsed);
                    name.resize(name.size() - suffix.size());
                }
            }
        }
        object[name] = std::move(value);
    }
    return object;
}

Statement session_rows(Database& db, const std::string& table, int64_t session_id) {
    Statement s =
        table == "sessions"
            ? db.prepare("SELECT * FROM sessions WHERE id = ?1")
            : db.prepare("SELECT * FROM " + table + " WHERE session_id = ?1 ORDER BY rowid");
    s.bind(1, session_id);
    return s;
}

void write_csv_table(Database& db, const std::string& table, int64_t session_id,
                     const std::filesystem::path& file) {
    AtomicFile out(file);
    const std::vector<std::string> columns = detail::table_columns(db, table);
    for (size_t i = 0; i < columns.size(); ++i)
        out.out() << (i ? "," : "") << detail::csv_field(columns[i]);
    out.out() << '\n';
    Statement rows = session_rows(db, table, session_id);
    while (rows.step()) {
        for (int c = 0; c < rows.column_count(); ++c)
            out.out() << (c ? "," : "") << detail::csv_value(rows, c);
        out.out() << '\n';
    }
    out.commit();
}

} // namespace

void export_csv(const ProfileStore& store, int64_t session_id,
                const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error("cannot create the folder " + folder.string() + ": " + ec.message());
    store.with_database([&](Database& db) {
        detail::ReadSnapshot snapshot(db);
        detail::require_session(db, session_id);
        write_csv_table(db, "sessions", session_id, folder / "sessions.csv");
        for (const char* table : schema::kSessionTables)
            write_csv_table(db, table, session_id, folder / (std::string(table) + ".csv"));
    });
}

void export_json(const ProfileStore& store, int64_t session_id, const std::filesystem::path& file) {
    store.with_database([&](Database& db) {
        detail::ReadSnapshot snapshot(db);
        detail::require_session(db, session_id);
        AtomicFile out(file);
        // Streamed row by row: a long session never sits in memory whole.
        out.out() << "{\"format\":\"hoard-session\",\"format_version\":1,\"schema_version\":"
                  << db.user_version() << ",\n\"session\":";
        Statement session = session_rows(db, "sessions", session_id);
        if (session.step()) out.out() << row_json(session).dump();
        for (const char* table : schema::kSessionTables) {
            out.out() << ",\n\"" << table << "\":[";
            Statement rows = session_rows(db, table, session_id);
            bool first = true;
            while (rows.step()) {
                out.out() << (first ? "\n" : ",\n") << row_json(rows).dump();
                first = false;
            }
            out.out() << "]";
        }
        out.out() << "}\n";
        out.commit();
    });
}

} // namespace hoard::telemetry
