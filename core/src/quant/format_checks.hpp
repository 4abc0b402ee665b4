#pragma once
// Argument checks shared by the public entry points; each throws hoard::Error
// with a message that names the format and the problem.
#include "quant/block_format.hpp"

#include <cstddef>

namespace hoard::quant {

// Throws unless `format` has kernels; `what` names the operation ("dequantize").
void check_computable(BlockFormat format, const char* what);

// Throws unless n is a whole number of the format's blocks.
void check_row_length(BlockFormat format, size_t n);

} // namespace hoard::quant
