#pragma once
// Byte layouts of the GGUF block formats and of Hoard's encoded activations.
//
// Blocks are described by byte offsets rather than structs: rows may start at
// any address, and every field is read with memcpy. This header holds only
// constants and internal-linkage helpers, so the ISA-specific kernel files can
// include it without sharing any out-of-line code with generic files.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hoard::quant::layout {

// --- 32-value blocks ------------------------------------------------------
inline constexpr size_t kBlock32 = 32;

namespace q4_0 { // f16 d; u8 qs[16]: value j = d * ((qs[j % 16] >> 4*(j / 16)) & 15) - 8)
inline constexpr size_t kBytes = 18, kD = 0, kQs = 2;
}
namespace q4_1 { // f16 d; f16 m; u8 qs[16]: value = d * nibble + m
inline constexpr size_t kBytes = 20, kD = 0, kM = 2, kQs = 4;
}
namespace q5_0 { // f16 d; u32 qh; u8 qs[16]: fifth bit j of value j in qh
inline constexpr size_t kBytes = 22, kD = 0, kQh = 2, kQs = 6;
}
namespace q5_1 { // f16 d; f16 m; u32 qh; u8 qs[16]
inline constexpr size_t kBytes = 24, kD = 0, kM = 2, kQh = 4, kQs = 8;
}
namespace q8_0 { // f16 d; i8 qs[32]
inline constexpr size_t kBytes = 34, kD = 0, kQs = 2;
}

// --- 256-value super-blocks (k-quants) -------------------------------------
inline constexpr size_t kSuper = 256;

namespace q2_k { // 16 groups of 16: 4-bit scale | 4-bit min per group, 2-bit values
inline constexpr size_t kBytes = 84, kScales = 0, kQs = 16, kD = 80, kDmin = 82;
}
namespace q3_k { // 16 groups of 16: 6-bit signed scales, 2 low bits in qs, third bit in hmask
inline constexpr size_t kBytes = 110, kHmask = 0, kQs = 32, kScales = 96, kD = 108;
}
namespace q4_k { // 8 groups of 32: 6-bit scales and mins packed in 12 bytes, 4-bit values
inline constexpr size_t kBytes = 144, kD = 0, kDmin = 2, kScales = 4, kQs = 16;
}
namespace q5_k { // as q4_k plus a fifth bit per value in qh
inline constexpr size_t kBytes = 176, kD = 0, kDmin = 2, kScales = 4, kQh = 16, kQs = 48;
}
namespace q6_k { // 16 groups of 16: int8 scales, 4 low bits in ql, 2 high bits in qh
inline constexpr size_t kBytes = 210, kQl = 0, kQh = 128, kScales = 192, kD = 208;
}

// --- Encoded activations ---------------------------------------------------
// Blocks32 (for q4_0 .. q8_0 weights), for n values in nb = n / 32 blocks:
//   int8 q[n]; float d[nb]; float dsum[nb]      (dsum = d * sum of the block's q)
// Super256 (for k-quant weights), for n values in ns = n / 256 super-blocks:
//   int8 q[n]; int16 sum16[n / 16]; float d[ns]  (sum16 = sum of each 16 q)
// The int8 values come first so that they stay aligned to 32 bytes wherever
// the caller's buffer is.
namespace act32 {
inline constexpr size_t bytes(size_t n) {
    return n + n / 4;
}
inline constexpr size_t scales_offset(size_t n) {
    return n;
}
inline constexpr size_t dsums_offset(size_t n) {
    return n + n / 8;
}
} // namespace act32
namespace act256 {
inline constexpr size_t bytes(size_t n) {
    return n + n / 8 + n / 64;
}
inline constexpr size_t sums_offset(size_t n) {
    return n;
}
inline constexpr size_t scales_offset(size_t n) {
    return n + n / 8;
}
} // namespace act256

// --- Field access ------------------------------------------------------------
static inline uint16_t load_u16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
static inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
static inline float load_f32(const uint8_t* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
static inline int16_t load_i16(const uint8_t* p) {
    int16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
static inline void store_u16(uint8_t* p, uint16_t v) {
    std::memcpy(p, &v, sizeof v);
}
static inline void store_u32(uint8_t* p, uint32_t v) {
    std::memcpy(p, &v, sizeof v);
}
static inline void store_f32(uint8_t* p, float v) {
    std::memcpy(p, &v, sizeof v);
}
static inline void store_i16(uint8_t* p, int16_t v) {
    std::memcpy(p, &v, sizeof v);
}

// The 6-bit scales and mins of q4_k / q5_k, unpacked from their 12 bytes:
// groups 0-3 keep their low 6 bits in bytes 0-7; groups 4-7 keep their low 4
// bits in bytes 8-11 and their top 2 bits in the spare top bits of bytes 0-7.
// Returns four words: scales 0-3, scales 4-7, mins 0-3, mins 4-7 (one byte each).
static inline void unpack_k4_scales(const uint8_t* packed, uint32_t out[4]) {
    const uint32_t a0 = load_u32(packed);
    const uint32_t a1 = load_u32(packed + 4);
    const uint32_t a2 = load_u32(packed + 8);
    out[0] = a0 & 0x3f3f3f3fu;
    out[1] = (a2 & 0x0f0f0f0fu) | (((a0 >> 6) & 0x03030303u) << 4);
    out[2] = a1 & 0x3f3f3f3fu;
    out[3] = ((a2 >> 4) & 0x0f0f0f0fu) | (((a1 >> 6) & 0x03030303u) << 4);
}

// The 16 6-bit scales of q3_k (stored biased by 32), unpacked from 12 bytes:
// low 4 bits of scale i in byte i % 8 (low nibble for i < 8, high nibble
// after), top 2 bits in byte 8 + i % 4 at bit 2 * (i / 4). Writes 16 bytes,
// still biased by 32.
static inline void unpack_q3_scales(const uint8_t* packed, uint8_t out[16]) {
    const uint32_t a0 = load_u32(packed);
    const uint32_t a1 = load_u32(packed + 4);
    const uint32_t hi = load_u32(packed + 8);
    const uint32_t w[4] = {
        (a0 & 0x0f0f0f0fu) | ((hi & 0x03030303u) << 4),
        (a1 & 0x0f0f0f0fu) | (((hi >> 2) & 0x03030303u) << 4),
        ((a0 >> 4) & 0x0f0f0f0fu) | (((hi >> 4) & 0x03030303u) << 4),
        ((a1 >> 4) & 0x0f0f0f0fu) | (((hi >> 6) & 0x03030303u) << 4),
    };
    std::memcpy(out, w, 16);
}

} // namespace hoard::quant::layout
