#pragma once
// Keeps a routing trace of each model the user chats with, for the budget
// planner's replay: every reply's routing (which experts each token chose in
// each layer) is recorded by the engine and appended, as a sequence of its
// own, to `<folder>/<model file name>.routing.jsonl`. Bounded in size. Used
// from the chat lane only (the engine records while that thread evaluates).
#include "hoard/engine.hpp"

#include <QString>

#include <cstdint>

namespace hoard::gui {

class RoutingTraceLog {
  public:
    explicit RoutingTraceLog(QString folder, qint64 maxBytes = qint64(32) << 20);

    // The file the model's routing goes to.
    QString traceFile(const hoard::Model& model) const;
    // Around one reply. end() appends what was recorded (when the file still
    // has room) and returns the tokens appended; it never throws.
    void begin(hoard::Model& model);
    size_t end(hoard::Model& model);

  private:
    QString folder_;
    qint64 max_bytes_;
    bool recording_ = false;
};

// Appends the JSON lines of `part` to `whole`, renumbering its sequences
// (problem_id) after the highest one `whole` has. Returns the lines appended.
size_t appendTraceSequences(const QString& part, const QString& whole);

} // namespace hoard::gui
