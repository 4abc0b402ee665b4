#pragma once
// One block of a quantized format in unpacked, integer form, and the packers
// and unpackers between it and the bytes in a file. Every quantized format
// fits one shape:
//
//   value[i] = (d * scale[g]) * q[i] - (dmin * min[g]),   g = i / group_size
//
// (q4_0 stores q - 8 with scale 1; q4_1 stores its float offset m as dmin with
// min -1; q3_k and q6_k have min 0; ...). The float evaluation order above is
// the one the reference dequantizer uses, so dequantizing through this form
// is exact. The scalar dot products and the quantizers use the same form, so
// bit packing lives in one place.
#include "quant/block_format.hpp"

#include <cstddef>
#include <cstdint>

namespace hoard::quant {

struct UnpackedBlock {
    float d = 0.0f;    // f16 in the file; kept exact
    float dmin = 0.0f; // f16 in the file; 0 where the format has no offsets
    uint32_t n_values = 0;
    uint32_t group_size = 0;
    uint32_t n_groups = 0;
    int8_t q[256];
    int16_t scale[16];
    int16_t min[16];
};

// Value ranges of a format's unpacked fields (inclusive), for quantizers.
struct BlockRanges {
    int q_lo, q_hi;         // integer codes
    int scale_lo, scale_hi; // per-group scales (1..1 where the format has none)
    int min_lo, min_hi;     // per-group mins (0..0 where none, -1..-1 for q4_1/q5_1)
    uint32_t group_size;
};

using BlockUnpacker = void (*)(const uint8_t* block, UnpackedBlock& out);
using BlockPacker = void (*)(const UnpackedBlock& in, uint8_t* block);

// For the quantized computable formats (q4_0 .. q6_k); nullptr otherwise.
BlockUnpacker block_unpacker(BlockFormat format);
BlockPacker block_packer(BlockFormat format);
const BlockRanges* block_ranges(BlockFormat format);

// Float value i of an unpacked block, evaluated in the reference order.
inline float unpacked_value(const UnpackedBlock& b, uint32_t i) {
    const uint32_t g = i / b.group_size;
    const float step = b.d * static_cast<float>(b.scale[g]);
    const float offset = b.dmin * static_cast<float>(b.min[g]);
    return step * static_cast<float>(b.q[i]) - offset;
}

} // namespace hoard::quant
