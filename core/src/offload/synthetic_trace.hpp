#pragma once
// A made-up routing trace for a model shape, for planning before any real
// trace was recorded: at every layer each expert has a fixed popularity
// ~ 1 / rank^skew (the ranks shuffled per layer), a token keeps the previous
// token's selection at a layer with probability `repeat` (routing is
// correlated from token to token) and otherwise draws k distinct experts by
// popularity; gate weights are random, largest first, summing to 1.
// Deterministic for a given seed.
#include "offload/offload_shape.hpp"
#include "offload/routing_trace.hpp"

#include <cstddef>
#include <cstdint>

namespace hoard::offload {

struct SyntheticTraceOptions {
    size_t n_tokens = 512;
    double skew = 1.0;
    double repeat = 0.3;
    uint64_t seed = 1;
};

// Throws hoard::Error for a shape without experts or bad options.
RoutingTrace make_synthetic_trace(const OffloadShape& shape, const SyntheticTraceOptions& options);

} // namespace hoard::offload
