#include "offload/precision_rule.hpp"

#include "hoard/error.hpp"

namespace hoard::offload {

void PrecisionRule::validate() const {
    if (!(t1 >= 0.0 && t1 <= t2 && t2 <= 1.0))
        throw Error("precision thresholds must satisfy 0 <= T1 <= T2 <= 1 (got T1 = " +
                    std::to_string(t1) + ", T2 = " + std::to_string(t2) + ")");
}

PrecisionDemand precision_for_rank(std::span<const float> weights, size_t rank,
                                   const PrecisionRule& rule) {
    if (rank == 0 || !rule.mixed || rank >= weights.size()) return {Precision::High, false};
    double total = 0, before = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        total += weights[i];
        if (i < rank) before += weights[i];
    }
    if (!(total > 0)) return {Precision::High, false};
    const double share = before / total;
    if (share < rule.t1) return {Precision::High, false};
    return {Precision::Low, share >= rule.t2};
}

} // namespace hoard::offload
