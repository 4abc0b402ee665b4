#pragma once
// Recording by default in `hoard run` and `hoard chat`: the --no-record and
// --db flags, and a recording that warns once on stderr when it cannot start
// or stops on an error (generation goes on) and names the session at the end.
#include "cli_common.hpp"
#include "hoard/profiling.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace hoard::cli {

struct RecordFlags {
    bool record = true;
    std::string db; // empty: the user's data folder
};

void add_record_options(CLI::App& cmd, RecordFlags& flags);

class CliRecording {
  public:
    // Starts recording `session`'s model unless --no-record was given.
    CliRecording(const RecordFlags& flags, const Session& session, RecordingOptions options);
    // Stops; prints "[recorded as session N: hoard sessions show N]" to stderr.
    void finish();

  private:
    RecordFlags flags_;
    std::shared_ptr<std::atomic<bool>> warned_ = std::make_shared<std::atomic<bool>>(false);
    Recording recording_;
};

} // namespace hoard::cli
