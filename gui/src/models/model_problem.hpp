#pragma once
// Says in plain words why a model file cannot be used, from the engine's
// precise message (kept in parentheses for those who want the detail).
#include <QString>

namespace hoard::gui {

QString explainModelProblem(const QString& engineMessage);

} // namespace hoard::gui
