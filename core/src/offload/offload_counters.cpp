// Derived figures of the public offload counters (hoard/offload.hpp).
#include "hoard/offload.hpp"

namespace hoard {

uint64_t OffloadCounters::requests() const {
    uint64_t n = 0;
    for (uint64_t a : actions) n += a;
    return n;
}

double OffloadCounters::prefetch_precision() const {
    return prefetch_predicted ? double(prefetch_correct) / double(prefetch_predicted) : 0.0;
}

double OffloadCounters::prefetch_recall() const {
    return prefetch_actual ? double(prefetch_correct) / double(prefetch_actual) : 0.0;
}

} // namespace hoard
