#include "runtime/sequence_evaluator.hpp"

#include <algorithm>

namespace hoard::runtime {

size_t CpuSequenceEvaluator::truncate(size_t n) {
    n = std::min(n, cache_.size());
    cache_.truncate(n);
    return n;
}

} // namespace hoard::runtime
