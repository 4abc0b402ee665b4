#pragma once
// One GGUF file the Models screen lists: where it is, how far Hoard got in
// reading it, and what it is (once inspected) or why it cannot run.
#include "hoard/model_summary.hpp"

#include <QString>

#include <cstdint>
#include <optional>

namespace hoard::gui {

struct ModelEntry {
    enum class State {
        Waiting,    // queued for inspection
        Inspecting, // being read on the inspection lane
        Ready,      // summary known: Hoard can run it
        Unrunnable, // reading it failed: `reason` says why
        Deferred,   // large file, inspected when the user asks (or loads it)
    };

    QString path; // absolute
    uint64_t fileBytes = 0;
    bool bundled = false;          // the default model that ships with Hoard
    bool explicitly_added = false; // opened or dropped (kept when folders are rescanned)
    State state = State::Waiting;
    QString reason;
    std::optional<hoard::ModelSummary> summary;
};

const char* modelStateName(ModelEntry::State state);

} // namespace hoard::gui
