#pragma once
// Which precision each selected expert of a token needs (after HOBBIT): the
// experts are ranked by gate weight; the top-1 is always high precision. For
// every other expert, take the share of the token's total gate weight that the
// experts ranked above it already carry:
//   share <  T1        high precision: the experts before it do not yet make up
//                      most of the mixture, so its output still matters a lot
//   T1 <= share < T2   low precision: it adds a minority correction
//   share >= T2        low precision and negligible: the experts before it carry
//                      nearly the whole mixture; it may be skipped when skipping
//                      is allowed
// With the defaults (T1 = 0.6, T2 = 0.9) and top-2 routing, the second expert
// is high when the first's weight is below 0.6, low from 0.6, negligible from 0.9.
#include "telemetry/events.hpp"

#include <cstddef>
#include <span>

namespace hoard::offload {

using telemetry::Precision;

struct PrecisionRule {
    bool mixed = true; // false: every expert at high precision (nothing is negligible either)
    double t1 = 0.6;
    double t2 = 0.9;
    void validate() const; // throws hoard::Error unless 0 <= T1 <= T2 <= 1
};

struct PrecisionDemand {
    Precision precision = Precision::High;
    bool negligible = false;
};

// `weights`: the token's selected experts' gate weights, best first.
PrecisionDemand precision_for_rank(std::span<const float> weights, size_t rank,
                                   const PrecisionRule& rule);

} // namespace hoard::offload
