#pragma once
// The profiling store: one SQLite database (by default in the user's data
// folder) holding every recorded session and the app's chat history.
//
//   auto store = ProfileStore::open();             // or open(path)
//   Recorder rec = store.begin_session(info, bus); // records on its own thread
//   ...                                            // the engine publishes
//   rec.end();
//
// The store's own methods are safe from any thread (one lock); each Recorder
// writes through its own connection, so reading sessions or chat history
// never waits for a recording.
#include "telemetry/chat_history.hpp"
#include "telemetry/data_location.hpp"
#include "telemetry/recorder.hpp"
#include "telemetry/session_info.hpp"
#include "telemetry/store_connection.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace hoard::telemetry {

class ProfileStore {
  public:
    // Creates the folder and the database if needed and brings the schema up
    // to date. Throws hoard::Error with a message for the user: a read-only
    // folder, a full disk, a file that is not a profile database, or one
    // written by a newer Hoard.
    static ProfileStore open(const std::filesystem::path& path = default_database_path(),
                             StoreOptions options = {});

    const std::filesystem::path& path() const;
    int schema_version() const;

    // Adds the session's row and starts recording the bus into it. Throws
    // hoard::Error if that cannot be written (the caller then generates
    // without recording).
    Recorder begin_session(const SessionInfo& info, EventBus& bus, RecorderOptions options = {});

    std::vector<SessionRecord> sessions() const; // newest first
    std::optional<SessionRecord> session(int64_t id) const;
    // Deletes the session and all its rows; false if there was none.
    bool delete_session(int64_t id);

    ChatHistory chat() const { return ChatHistory(connection_); }

    // "ok", or what PRAGMA integrity_check found.
    std::string integrity_check();

    // Runs fn(Database&) under the store's lock (for the exporters).
    template <class Fn> decltype(auto) with_database(Fn&& fn) const {
        std::lock_guard lock(connection_->mutex);
        return fn(connection_->db);
    }

  private:
    explicit ProfileStore(std::shared_ptr<StoreConnection> connection)
        : connection_(std::move(connection)) {}
    std::shared_ptr<StoreConnection> connection_;
};

} // namespace hoard::telemetry
