#include "session_recording.hpp"

#include <cstdio>

namespace hoard::cli {
namespace {

void warn_once(std::atomic<bool>& warned, const std::string& message) {
    if (warned.exchange(true)) return;
    std::fprintf(stderr,
                 "hoard: warning: %s (generation goes on; --no-record turns recording "
                 "off)\n",
                 message.c_str());
}

} // namespace

void add_record_options(CLI::App& cmd, RecordFlags& flags) {
    cmd.add_flag("!--no-record", flags.record,
                 "Do not record this session in the profile database");
    cmd.add_option("--db", flags.db,
                   "Profile database to record into (default: $HOARD_DATA_DIR/hoard.db, else "
                   "$XDG_DATA_HOME/hoard/hoard.db, else ~/.local/share/hoard/hoard.db)");
}

CliRecording::CliRecording(const RecordFlags& flags, const Session& session,
                           RecordingOptions options)
    : flags_(flags) {
    if (!flags_.record) return;
    options.on_error = [warned = warned_](const std::string& message) {
        warn_once(*warned, message);
    };
    recording_ = Recording::start(session, flags_.db, std::move(options));
    if (recording_.failed())
        warn_once(*warned_, "not recording this session: " + recording_.error());
}

void CliRecording::finish() {
    if (!flags_.record) return;
    recording_.stop();
    const int64_t id = recording_.session_id();
    if (id == 0) return; // never started: already warned
    if (recording_.failed()) {
        warn_once(*warned_, recording_.error());
        std::fprintf(stderr, "[session %lld was recorded in part]\n", static_cast<long long>(id));
        return;
    }
    const std::string db = flags_.db.empty() ? "" : " --db '" + flags_.db + "'";
    std::fprintf(stderr, "[recorded as session %lld: hoard sessions%s show %lld]\n",
                 static_cast<long long>(id), db.c_str(), static_cast<long long>(id));
}

} // namespace hoard::cli
