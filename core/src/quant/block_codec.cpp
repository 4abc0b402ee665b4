#include "quant/block_codec.hpp"

#include "quant/block_layout.hpp"
#include "quant/kernels.hpp"

#include <cstring>

namespace hoard::quant {
namespace {

using namespace layout;

float load_f16(const uint8_t* p) {
    return fp16_to_fp32(load_u16(p));
}
void store_f16(uint8_t* p, float v) {
    store_u16(p, fp32_to_fp16(v));
}

void set_shape(UnpackedBlock& b, uint32_t n_values, uint32_t group_size) {
    b.n_values = n_values;
    b.group_size = group_size;
    b.n_groups = n_values / group_size;
}

// --- 32-value blocks: 4 low bits of value j in byte j % 16 (high nibble for j >= 16)

void unpack_nibbles32(const uint8_t* qs, int8_t* q, int bias) {
    for (int j = 0; j < 16; ++j) {
        q[j] = static_cast<int8_t>((qs[j] & 0x0f) - bias);
        q[j + 16] = static_cast<int8_t>((qs[j] >> 4) - bias);
    }
}

void pack_nibbles32(const int8_t* q, uint8_t* qs, int bias) {
    for (int j = 0; j < 16; ++j) {
        const int lo = (q[j] + bias) & 0x0f;
        const int hi = (q[j + 16] + bias) & 0x0f;
        qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
}

// Fifth bits: bit j of the 32-bit word qh belongs to value j.
void unpack_5bit32(const uint8_t* qh_bytes, const uint8_t* qs, int8_t* q, int bias) {
    const uint32_t qh = load_u32(qh_bytes);
    for (int j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        q[j] = static_cast<int8_t>(lo - bias);
        q[j + 16] = static_cast<int8_t>(hi - bias);
    }
}

void pack_5bit32(const int8_t* q, uint8_t* qh_bytes, uint8_t* qs, int bias) {
    uint32_t qh = 0;
    for (int j = 0; j < 32; ++j) {
        const auto u = static_cast<uint32_t>(q[j] + bias) & 0x1fu;
        qh |= (u >> 4) << j;
    }
    for (int j = 0; j < 16; ++j) {
        const int lo = (q[j] + bias) & 0x0f;
        const int hi = (q[j + 16] + bias) & 0x0f;
        qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
    store_u32(qh_bytes, qh);
}

void unit_scales(UnpackedBlock& b, int16_t min) {
    b.scale[0] = 1;
    b.min[0] = min;
}

void unpack_q4_0(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 32, 32);
    b.d = load_f16(blk + q4_0::kD);
    b.dmin = 0.0f;
    unit_scales(b, 0);
    unpack_nibbles32(blk + q4_0::kQs, b.q, 8);
}
void pack_q4_0(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q4_0::kD, b.d);
    pack_nibbles32(b.q, blk + q4_0::kQs, 8);
}

void unpack_q4_1(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 32, 32);
    b.d = load_f16(blk + q4_1::kD);
    b.dmin = load_f16(blk + q4_1::kM);
    unit_scales(b, -1);
    unpack_nibbles32(blk + q4_1::kQs, b.q, 0);
}
void pack_q4_1(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q4_1::kD, b.d);
    store_f16(blk + q4_1::kM, b.dmin);
    pack_nibbles32(b.q, blk + q4_1::kQs, 0);
}

void unpack_q5_0(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 32, 32);
    b.d = load_f16(blk + q5_0::kD);
    b.dmin = 0.0f;
    unit_scales(b, 0);
    unpack_5bit32(blk + q5_0::kQh, blk + q5_0::kQs, b.q, 16);
}
void pack_q5_0(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q5_0::kD, b.d);
    pack_5bit32(b.q, blk + q5_0::kQh, blk + q5_0::kQs, 16);
}

void unpack_q5_1(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 32, 32);
    b.d = load_f16(blk + q5_1::kD);
    b.dmin = load_f16(blk + q5_1::kM);
    unit_scales(b, -1);
    unpack_5bit32(blk + q5_1::kQh, blk + q5_1::kQs, b.q, 0);
}
void pack_q5_1(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q5_1::kD, b.d);
    store_f16(blk + q5_1::kM, b.dmin);
    pack_5bit32(b.q, blk + q5_1::kQh, blk + q5_1::kQs, 0);
}

void unpack_q8_0(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 32, 32);
    b.d = load_f16(blk + q8_0::kD);
    b.dmin = 0.0f;
    unit_scales(b, 0);
    std::memcpy(b.q, blk + q8_0::kQs, 32);
}
void pack_q8_0(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q8_0::kD, b.d);
    std::memcpy(blk + q8_0::kQs, b.q, 32);
}

// --- k-quants. Two-bit planes (q2_k, q3_k's low bits) hold 128 values per 32
// bytes: value 128*h + 32*j + l sits at bits 2j..2j+1 of byte 32*h + l.

void unpack_q2_k(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 256, 16);
    b.d = load_f16(blk + q2_k::kD);
    b.dmin = load_f16(blk + q2_k::kDmin);
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = static_cast<int16_t>(blk[q2_k::kScales + g] & 0x0f);
        b.min[g] = static_cast<int16_t>(blk[q2_k::kScales + g] >> 4);
    }
    const uint8_t* qs = blk + q2_k::kQs;
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l)
                b.q[128 * h + 32 * j + l] = static_cast<int8_t>((qs[32 * h + l] >> (2 * j)) & 3);
}
void pack_q2_k(const UnpackedBlock& b, uint8_t* blk) {
    for (int g = 0; g < 16; ++g)
        blk[q2_k::kScales + g] =
            static_cast<uint8_t>((b.scale[g] & 0x0f) | ((b.min[g] & 0x0f) << 4));
    uint8_t* qs = blk + q2_k::kQs;
    std::memset(qs, 0, 64);
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l)
                qs[32 * h + l] |= static_cast<uint8_t>((b.q[128 * h + 32 * j + l] & 3) << (2 * j));
    store_f16(blk + q2_k::kD, b.d);
    store_f16(blk + q2_k::kDmin, b.dmin);
}

// q3_k: code = low 2 bits + 4 * hmask bit - 4; the hmask bit of value
// 128*h + 32*j + l is bit 4*h + j of hmask byte l.
void unpack_q3_k(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 256, 16);
    b.d = load_f16(blk + q3_k::kD);
    b.dmin = 0.0f;
    uint8_t biased[16];
    unpack_q3_scales(blk + q3_k::kScales, biased);
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = static_cast<int16_t>(biased[g] - 32);
        b.min[g] = 0;
    }
    const uint8_t* qs = blk + q3_k::kQs;
    const uint8_t* hmask = blk + q3_k::kHmask;
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) {
                const int low = (qs[32 * h + l] >> (2 * j)) & 3;
                const int high = (hmask[l] >> (4 * h + j)) & 1;
                b.q[128 * h + 32 * j + l] = static_cast<int8_t>(low + 4 * high - 4);
            }
}
void pack_q3_k(const UnpackedBlock& b, uint8_t* blk) {
    uint8_t* hmask = blk + q3_k::kHmask;
    uint8_t* qs = blk + q3_k::kQs;
    std::memset(hmask, 0, 32);
    std::memset(qs, 0, 64);
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) {
                const int u = (b.q[128 * h + 32 * j + l] + 4) & 7;
                qs[32 * h + l] |= static_cast<uint8_t>((u & 3) << (2 * j));
                hmask[l] |= static_cast<uint8_t>((u >> 2) << (4 * h + j));
            }
    uint8_t* sc = blk + q3_k::kScales;
    std::memset(sc, 0, 12);
    for (int g = 0; g < 16; ++g) {
        const int u = (b.scale[g] + 32) & 63;
        sc[g % 8] |= static_cast<uint8_t>((u & 0x0f) << (g < 8 ? 0 : 4));
        sc[8 + g % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (g / 4)));
    }
    store_f16(blk + q3_k::kD, b.d);
}

void unpack_k4_groups(const uint8_t* packed, UnpackedBlock& b) {
    uint32_t words[4];
    unpack_k4_scales(packed, words);
    uint8_t bytes[16];
    std::memcpy(bytes, words, 16);
    for (int g = 0; g < 8; ++g) {
        b.scale[g] = bytes[g];
        b.min[g] = bytes[8 + g];
    }
}

// Inverse of unpack_k4_scales: groups 0-3 whole in bytes 0-3 / 4-7, groups 4-7
// split between bytes 8-11 (low 4 bits) and the top 2 bits of bytes 0-7.
void pack_k4_groups(const UnpackedBlock& b, uint8_t* packed) {
    for (int g = 0; g < 4; ++g) {
        const int s_lo = b.scale[g] & 63, m_lo = b.min[g] & 63;
        const int s_hi = b.scale[g + 4] & 63, m_hi = b.min[g + 4] & 63;
        packed[g] = static_cast<uint8_t>(s_lo | ((s_hi >> 4) << 6));
        packed[g + 4] = static_cast<uint8_t>(m_lo | ((m_hi >> 4) << 6));
        packed[g + 8] = static_cast<uint8_t>((s_hi & 0x0f) | ((m_hi & 0x0f) << 4));
    }
}

// q4_k / q5_k: 64 values per 32 bytes of qs: value 64*c + l in the low nibble
// of byte 32*c + l, value 64*c + 32 + l in its high nibble.
void unpack_q4_k(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 256, 32);
    b.d = load_f16(blk + q4_k::kD);
    b.dmin = load_f16(blk + q4_k::kDmin);
    unpack_k4_groups(blk + q4_k::kScales, b);
    const uint8_t* qs = blk + q4_k::kQs;
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            b.q[64 * c + l] = static_cast<int8_t>(qs[32 * c + l] & 0x0f);
            b.q[64 * c + 32 + l] = static_cast<int8_t>(qs[32 * c + l] >> 4);
        }
}
void pack_q4_k(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q4_k::kD, b.d);
    store_f16(blk + q4_k::kDmin, b.dmin);
    pack_k4_groups(b, blk + q4_k::kScales);
    uint8_t* qs = blk + q4_k::kQs;
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l)
            qs[32 * c + l] = static_cast<uint8_t>((b.q[64 * c + l] & 0x0f) |
                                                  ((b.q[64 * c + 32 + l] & 0x0f) << 4));
}

// q5_k adds the fifth bit of value 32*g + l as bit g of qh byte l.
void unpack_q5_k(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 256, 32);
    b.d = load_f16(blk + q5_k::kD);
    b.dmin = load_f16(blk + q5_k::kDmin);
    unpack_k4_groups(blk + q5_k::kScales, b);
    const uint8_t* qs = blk + q5_k::kQs;
    const uint8_t* qh = blk + q5_k::kQh;
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            const int lo = (qs[32 * c + l] & 0x0f) | (((qh[l] >> (2 * c)) & 1) << 4);
            const int hi = (qs[32 * c + l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
            b.q[64 * c + l] = static_cast<int8_t>(lo);
            b.q[64 * c + 32 + l] = static_cast<int8_t>(hi);
        }
}
void pack_q5_k(const UnpackedBlock& b, uint8_t* blk) {
    store_f16(blk + q5_k::kD, b.d);
    store_f16(blk + q5_k::kDmin, b.dmin);
    pack_k4_groups(b, blk + q5_k::kScales);
    uint8_t* qs = blk + q5_k::kQs;
    uint8_t* qh = blk + q5_k::kQh;
    std::memset(qh, 0, 32);
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
            const int lo = b.q[64 * c + l] & 31, hi = b.q[64 * c + 32 + l] & 31;
            qs[32 * c + l] = static_cast<uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
            qh[l] |= static_cast<uint8_t>(((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
        }
}

// q6_k: per half h (128 values), value 128*h + 32*k + l has its low 4 bits in
// ql[64*h + l + 32*(k & 1)] (low nibble for k < 2, high for k >= 2) and its
// top 2 bits at bits 2k..2k+1 of qh[32*h + l]; codes are stored biased by 32.
void unpack_q6_k(const uint8_t* blk, UnpackedBlock& b) {
    set_shape(b, 256, 16);
    b.d = load_f16(blk + q6_k::kD);
    b.dmin = 0.0f;
    for (int g = 0; g < 16; ++g) {
        b.scale[g] = static_cast<int8_t>(blk[q6_k::kScales + g]);
        b.min[g] = 0;
    }
    const uint8_t* ql = blk + q6_k::kQl;
    const uint8_t* qh = blk + q6_k::kQh;
    for (int h = 0; h < 2; ++h)
        for (int k = 0; k < 4; ++k)
            for (int l = 0; l < 32; ++l) {
                const uint8_t low_byte = ql[64 * h + l + 32 * (k & 1)];
                const int low = (k < 2) ? (low_byte & 0x0f) : (low_byte >> 4);
                const int high = (qh[32 * h + l] >> (2 * k)) & 3;
                b.q[128 * h + 32 * k + l] = static_cast<int8_t>((low | (high << 4)) - 32);
            }
}
void pack_q6_k(const UnpackedBlock& b, uint8_t* blk) {
    uint8_t* ql = blk + q6_k::kQl;
    uint8_t* qh = blk + q6_k::kQh;
    std::memset(ql, 0, 128);
    std::memset(qh, 0, 64);
    for (int h = 0; h < 2; ++h)
        for (int k = 0; k < 4; ++k)
            for (int l = 0; l < 32; ++l) {
                const int u = (b.q[128 * h + 32 * k + l] + 32) & 63;
                const int nibble = (k < 2) ? (u & 0x0f) : ((u & 0x0f) << 4);
                ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>(nibble);
                qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * k));
            }
    for (int g = 0; g < 16; ++g)
        blk[q6_k::kScales + g] = static_cast<uint8_t>(static_cast<int8_t>(b.scale[g]));
    store_f16(blk + q6_k::kD, b.d);
}

constexpr BlockRanges kQ4_0{-8, 7, 1, 1, 0, 0, 32};
constexpr BlockRanges kQ4_1{0, 15, 1, 1, -1, -1, 32};
constexpr BlockRanges kQ5_0{-16, 15, 1, 1, 0, 0, 32};
constexpr BlockRanges kQ5_1{0, 31, 1, 1, -1, -1, 32};
constexpr BlockRanges kQ8_0{-127, 127, 1, 1, 0, 0, 32};
constexpr BlockRanges kQ2_K{0, 3, 0, 15, 0, 15, 16};
constexpr BlockRanges kQ3_K{-4, 3, -32, 31, 0, 0, 16};
constexpr BlockRanges kQ4_K{0, 15, 0, 63, 0, 63, 32};
constexpr BlockRanges kQ5_K{0, 31, 0, 63, 0, 63, 32};
constexpr BlockRanges kQ6_K{-32, 31, -128, 127, 0, 0, 16};

} // namespace

BlockUnpacker block_unpacker(BlockFormat format) {
    switch (format) {
    case BlockFormat::Q4_0:
        return unpack_q4_0;
    case BlockFormat::Q4_1:
        return unpack_q4_1;
    case BlockFormat::Q5_0:
        return unpack_q5_0;
    case BlockFormat::Q5_1:
        return unpack_q5_1;
    case BlockFormat::Q8_0:
        return unpack_q8_0;
    case BlockFormat::Q2_K:
        return unpack_q2_k;
    case BlockFormat::Q3_K:
        return unpack_q3_k;
    case BlockFormat::Q4_K:
        return unpack_q4_k;
    case BlockFormat::Q5_K:
        return unpack_q5_k;
    case BlockFormat::Q6_K:
        return unpack_q6_k;
    default:
        return nullptr;
    }
}

BlockPacker block_packer(BlockFormat format) {
    switch (format) {
    case BlockFormat::Q4_0:
        return pack_q4_0;
    case BlockFormat::Q4_1:
        return pack_q4_1;
    case BlockFormat::Q5_0:
        return pack_q5_0;
    case BlockFormat::Q5_1:
        return pack_q5_1;
    case BlockFormat::Q8_0:
        return pack_q8_0;
    case BlockFormat::Q2_K:
        return pack_q2_k;
    case BlockFormat::Q3_K:
        return pack_q3_k;
    case BlockFormat::Q4_K:
        return pack_q4_k;
    case BlockFormat::Q5_K:
        return pack_q5_k;
    case BlockFormat::Q6_K:
        return pack_q6_k;
    default:
        return nullptr;
    }
}

const BlockRanges* block_ranges(BlockFormat format) {
    switch (format) {
    case BlockFormat::Q4_0:
        return &kQ4_0;
    case BlockFormat::Q4_1:
        return &kQ4_1;
    case BlockFormat::Q5_0:
        return &kQ5_0;
    case BlockFormat::Q5_1:
        return &kQ5_1;
    case BlockFormat::Q8_0:
        return &kQ8_0;
    case BlockFormat::Q2_K:
        return &kQ2_K;
    case BlockFormat::Q3_K:
        return &kQ3_K;
    case BlockFormat::Q4_K:
        return &kQ4_K;
    case BlockFormat::Q5_K:
        return &kQ5_K;
    case BlockFormat::Q6_K:
        return &kQ6_K;
    default:
        return nullptr;
    }
}

} // namespace hoard::quant
