#include "budget/budget_predictor.hpp"

#include "common/display_format.hpp"

#include <QObject>

#include <algorithm>
#include <cmath>

namespace hoard::gui {

uint64_t estimateWorkspaceBytes(const hoard::ModelSummary& m) {
    const uint64_t chunk = 512;
    const uint64_t ff = std::max<uint64_t>(m.n_ff, uint64_t(m.n_ff_expert) * m.n_expert_used);
    const uint64_t per_token = 4 * uint64_t(m.n_embd) + 3 * ff + uint64_t(m.n_head) * chunk;
    return chunk * per_token * sizeof(float) + uint64_t(m.n_vocab) * sizeof(float);
}

BudgetPrediction EstimateBudgetPredictor::predict(const hoard::ModelSummary& m,
                                                  const BudgetQuery& q,
                                                  const std::atomic<bool>& /*cancel*/) {
    BudgetPrediction p;
    p.deviceBytes = q.deviceBytes;
    p.nonExpertBytes = m.bytes_non_expert;
    p.kvCacheBytes = m.kv_bytes_per_token_per_layer * m.n_layer * q.contextTokens;
    p.workspaceBytes = estimateWorkspaceBytes(m);
    p.totalExperts = m.n_layer * m.n_expert;
    p.basis = QObject::tr("Estimate: experts chosen evenly, %1 GB/s device memory, %2 GB/s link. "
                          "A replay of recorded routing replaces it when the engine offers one.")
                  .arg(q.deviceBytesPerSecond / 1e9, 0, 'f', 0)
                  .arg(q.linkBytesPerSecond / 1e9, 0, 'f', 0);

    const uint64_t fixed = p.nonExpertBytes + p.kvCacheBytes + p.workspaceBytes;
    const double high_size = p.totalExperts ? double(m.bytes_expert) / double(p.totalExperts) : 0.0;
    const double bits =
        m.parameters_expert ? double(m.bytes_expert) * 8.0 / double(m.parameters_expert) : 16.0;
    const double low_bits = bits > 5.0 ? 4.5 : std::min(bits, 2.6);
    const double low_size = high_size * low_bits / bits;
    const uint64_t one_layer = uint64_t(std::ceil(high_size * double(m.n_expert_used)));

    // Speed: bytes every token reads (one embedding row, not the whole table).
    const double shared_read =
        double(m.bytes_non_expert - std::min(m.bytes_non_expert, m.bytes_token_embedding)) +
        (m.n_vocab ? double(m.bytes_token_embedding) / double(m.n_vocab) : 0.0);
    const double active = double(m.n_layer) * double(m.n_expert_used);
    if (q.hostBytesPerSecond > 0)
        p.hostOnlyTokensPerSecond = q.hostBytesPerSecond / (shared_read + active * high_size);

    if (q.deviceBytes < fixed + one_layer) {
        p.fits = false;
        p.headroomBytes = 0;
        p.problem = QObject::tr("The budget must hold at least %1: %2 of shared weights, a %3 KV "
                                "cache for %4 tokens, %5 of workspace and one layer's experts. "
                                "Raise the budget or shorten the context.")
                        .arg(formatBytes(fixed + one_layer), formatBytes(p.nonExpertBytes),
                             formatBytes(p.kvCacheBytes))
                        .arg(q.contextTokens)
                        .arg(formatBytes(p.workspaceBytes));
        return p;
    }
    p.fits = true;
    const double area = double(q.deviceBytes - fixed);
    if (p.totalExperts == 0 || high_size <= 0) {
        p.hitRate = 1.0;
        p.headroomBytes = q.deviceBytes - fixed;
        p.tokensPerSecond = q.deviceBytesPerSecond / std::max(shared_read, 1.0);
        return p;
    }

    p.highSlots = std::min(p.totalExperts, size_t(area / high_size));
    if (q.lowPrecision && p.highSlots < p.totalExperts) {
        // A quarter of the expert area holds low-precision copies: many more
        // experts resident, at a small cost in fidelity.
        const double low_area = area * 0.25;
        p.highSlots = std::min(p.totalExperts, size_t((area - low_area) / high_size));
        p.lowSlots = std::min(p.totalExperts - p.highSlots, size_t(low_area / low_size));
    }
    p.highExpertBytes = uint64_t(double(p.highSlots) * high_size);
    p.lowExpertBytes = uint64_t(double(p.lowSlots) * low_size);
    p.headroomBytes =
        q.deviceBytes - std::min(q.deviceBytes, fixed + p.highExpertBytes + p.lowExpertBytes);

    const double f_high = double(p.highSlots) / double(p.totalExperts);
    const double f_low = double(p.lowSlots) / double(p.totalExperts);
    p.hitRate = f_high + f_low;
    // A miss is loaded over the link or computed on the CPU, whichever is faster.
    double miss_seconds = high_size / q.linkBytesPerSecond;
    if (q.hostBytesPerSecond > 0)
        miss_seconds = std::min(miss_seconds, high_size / q.hostBytesPerSecond);
    const double per_token =
        shared_read / q.deviceBytesPerSecond +
        active * (f_high * high_size / q.deviceBytesPerSecond +
                  f_low * low_size / q.deviceBytesPerSecond + (1.0 - p.hitRate) * miss_seconds);
    p.tokensPerSecond = per_token > 0 ? 1.0 / per_token : 0.0;
    return p;
}

} // namespace hoard::gui
