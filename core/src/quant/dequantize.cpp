// dequantize_row: exact, scalar, through the unpacked block form.
#include "quant/block_codec.hpp"
#include "quant/block_layout.hpp"
#include "quant/format_checks.hpp"
#include "quant/kernels.hpp"

#include <cstring>

namespace hoard::quant {

void dequantize_row(BlockFormat format, const void* src, float* dst, size_t n) {
    check_computable(format, "dequantize");
    check_row_length(format, n);
    const auto* bytes = static_cast<const uint8_t*>(src);
    switch (format) {
    case BlockFormat::F32:
        std::memcpy(dst, bytes, n * sizeof(float));
        return;
    case BlockFormat::F16:
        for (size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(layout::load_u16(bytes + 2 * i));
        return;
    case BlockFormat::BF16:
        for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(layout::load_u16(bytes + 2 * i));
        return;
    default:
        break;
    }
    const FormatInfo& info = format_info(format);
    const BlockUnpacker unpack = block_unpacker(format);
    UnpackedBlock block;
    for (size_t start = 0; start < n; start += info.block_elems) {
        unpack(bytes, block);
        for (uint32_t i = 0; i < block.n_values; ++i) dst[start + i] = unpacked_value(block, i);
        bytes += info.block_bytes;
    }
}

} // namespace hoard::quant
