#pragma once
// Numerically stable softmax, in place.
#include <cstddef>

namespace hoard::backend::cpu {

void softmax(float* x, size_t n);

} // namespace hoard::backend::cpu
