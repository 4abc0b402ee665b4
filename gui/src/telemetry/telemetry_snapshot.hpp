#pragma once
// What the app knows about a generation at one moment: speed, and (when the
// engine reports its expert decisions) per-layer cache hit rates, the
// precision mix, link traffic and CPU-computed experts. Snapshots arrive
// coalesced, 10 to 20 a second; each covers a short window of engine time.
#include <QMetaType>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace hoard::gui {

struct TelemetrySnapshot {
    uint64_t sequence = 0;      // 1, 2, 3, ... within a generation
    double time = 0;            // seconds since the generation began
    double tokensPerSecond = 0; // decode, over the window; NaN when not known yet
    double prefillTokensPerSecond = 0;
    uint64_t generatedTokens = 0; // since the generation began

    // False when the engine reports only speed (no expert decisions): the
    // expert charts then say so instead of drawing zeros.
    bool hasExpertStats = false;
    double hitRate = 0;                // over the window
    std::vector<double> layerHitRates; // index = layer; NaN: no selections in the window
    double highFraction = 0, lowFraction = 0, cpuFraction = 0, skipFraction = 0;
    double hostToDeviceBytesPerSecond = 0;
    double storageToHostBytesPerSecond = 0;
    uint64_t cpuExperts = 0;        // computed on the CPU in the window
    std::optional<double> fidelity; // agreement with full precision, when measured
};

// One reply, as the chat reports it when generation begins and ends.
struct GenerationRecord {
    QString modelName, modelPath;
    uint64_t promptTokens = 0, reusedTokens = 0, generatedTokens = 0;
    double tokensPerSecond = 0, prefillTokensPerSecond = 0;
    double timeToFirstToken = 0, seconds = 0;
    QString stopReason;
    QString error; // empty unless it failed
    // When the model runs offloaded: the reply's expert cache hit rate, and
    // the device memory the offload engine has and has used at most.
    std::optional<double> hitRate;
    uint64_t deviceCapacityBytes = 0, devicePeakBytes = 0;
    std::optional<qint64> sessionId; // where the profiling store recorded it
};

} // namespace hoard::gui

Q_DECLARE_METATYPE(hoard::gui::TelemetrySnapshot)
Q_DECLARE_METATYPE(hoard::gui::GenerationRecord)
