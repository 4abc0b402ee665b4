#include "quant/format_checks.hpp"

#include "hoard/error.hpp"

#include <string>

namespace hoard::quant {

void check_computable(BlockFormat format, const char* what) {
    const auto id = static_cast<uint32_t>(format);
    const auto info = find_format(id);
    if (!info)
        throw Error("cannot " + std::string(what) + ": unknown tensor type " + std::to_string(id));
    if (!info->computable) {
        throw Error("cannot " + std::string(what) + " tensors of type " + std::string(info->name) +
                    ": Hoard has no kernels for it");
    }
}

void check_row_length(BlockFormat format, size_t n) {
    const FormatInfo& info = format_info(format);
    if (n % info.block_elems != 0) {
        throw Error("a row of " + std::to_string(n) + " values is not a whole number of " +
                    std::string(info.name) + " blocks (" + std::to_string(info.block_elems) +
                    " values each)");
    }
}

} // namespace hoard::quant
