#include "models/model_problem.hpp"

#include <QObject>

namespace hoard::gui {

QString explainModelProblem(const QString& engineMessage) {
    struct Known {
        const char* contains;
        const char* explanation;
    };
    static const Known known[] = {
        {"file is truncated", "The file is incomplete: its download may have stopped early."},
        {"data section is missing", "The file is incomplete: its download may have stopped early."},
        {"file is empty", "The file is empty."},
        {"not a GGUF file", "This is not a GGUF model file."},
        {"unsupported GGUF version", "This file uses a GGUF version Hoard does not read yet."},
        {"cannot open", "Hoard cannot open the file: check that it exists and you may read it."},
        {"cannot map into memory", "The file could not be mapped into memory."},
        {"not enough memory", "There is not enough memory for this model."},
    };
    for (const Known& k : known)
        if (engineMessage.contains(QLatin1String(k.contains)))
            return QObject::tr(k.explanation) + QStringLiteral(" (") + engineMessage +
                   QLatin1Char(')');
    return engineMessage; // the engine's message already says it in words
}

} // namespace hoard::gui
