#pragma once
// Device-side decoding of every computable GGUF block format, shared by the
// matrix-vector, matrix-matrix and dequantization kernels.
//
// A block is decoded in "parts" of 32 or 64 consecutive values. A quantized
// part comes out as int8 codes packed four to a word in value order, with a
// float scale and min per group of kGroup values:
//
//     value[i] = scale[g] * q[i] - min[g],   g = i / kGroup
//
// where scale = d * (group scale) and min = dmin * (group min) are the same
// float products the CPU reference (quant/block_codec) forms, so dequantizing
// through a part is exact. Float formats (f32, f16, bf16) decode to floats.
//
// Blocks may start at any even address (q8_0 blocks are 34 bytes), so words
// are read with two 16-bit loads unless the format's block size keeps them
// 4-byte aligned. Rows must start at an even address (the allocator gives
// 256-byte aligned tensors; every block size is even).
#include "quant/block_format.hpp"

#include <cstdint>
#include <cuda_fp16.h>

namespace hoard::backend::cuda::codec {

using quant::BlockFormat;

__device__ __forceinline__ float half_at(const uint8_t* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const uint16_t*>(p)));
}

template <bool kAligned4> __device__ __forceinline__ uint32_t word_at(const uint8_t* p) {
    if constexpr (kAligned4) {
        return *reinterpret_cast<const uint32_t*>(p);
    } else {
        const auto* h = reinterpret_cast<const uint16_t*>(p);
        return uint32_t(h[0]) | (uint32_t(h[1]) << 16);
    }
}

// Four bits of `bits` (0..15) spread to bit 0 of each byte.
__device__ __forceinline__ uint32_t spread4(uint32_t bits) {
    return (bits * 0x00204081u) & 0x01010101u;
}

template <int kValues, int kGroup> struct QuantPart {
    static constexpr int kWords = kValues / 4;
    static constexpr int kGroups = kValues / kGroup;
    uint32_t q[kWords]; // int8 codes, value 4w + b in byte b of word w
    float scale[kGroups];
    float min[kGroups];
};

__device__ __forceinline__ float mul_rn(float a, float b) {
    return __fmul_rn(a, b); // no contraction with a following add: exact like the CPU
}

// --- 32-value blocks --------------------------------------------------------

struct Q4_0 {
    static constexpr BlockFormat kFormat = BlockFormat::Q4_0;
    static constexpr int kBlockElems = 32, kBlockBytes = 18, kPartValues = 32, kGroup = 32;
    static constexpr bool kHasMin = false;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int, Part& p) {
        const float d = half_at(b);
#pragma unroll
        for (int w = 0; w < 4; ++w) {
            const uint32_t qs = word_at<false>(b + 2 + 4 * w);
            p.q[w] = __vsub4(qs & 0x0f0f0f0fu, 0x08080808u);
            p.q[w + 4] = __vsub4((qs >> 4) & 0x0f0f0f0fu, 0x08080808u);
        }
        p.scale[0] = mul_rn(d, 1.0f);
        p.min[0] = 0.0f;
    }
};

struct Q4_1 {
    static constexpr BlockFormat kFormat = BlockFormat::Q4_1;
    static constexpr int kBlockElems = 32, kBlockBytes = 20, kPartValues = 32, kGroup = 32;
    static constexpr bool kHasMin = true;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int, Part& p) {
        const float d = half_at(b), m = half_at(b + 2);
#pragma unroll
        for (int w = 0; w < 4; ++w) {
            const uint32_t qs = word_at<true>(b + 4 + 4 * w);
            p.q[w] = qs & 0x0f0f0f0fu;
            p.q[w + 4] = (qs >> 4) & 0x0f0f0f0fu;
        }
        p.scale[0] = mul_rn(d, 1.0f);
        p.min[0] = mul_rn(m, -1.0f);
    }
};

struct Q5_0 {
    static constexpr BlockFormat kFormat = BlockFormat::Q5_0;
    static constexpr int kBlockElems = 32, kBlockBytes = 22, kPartValues = 32, kGroup = 32;
    static constexpr bool kHasMin = false;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int, Part& p) {
        const float d = half_at(b);
        const uint32_t qh = word_at<false>(b + 2);
#pragma unroll
        for (int w = 0; w < 4; ++w) {
            const uint32_t qs = word_at<false>(b + 6 + 4 * w);
            const uint32_t lo = (qs & 0x0f0f0f0fu) | (spread4((qh >> (4 * w)) & 15u) << 4);
            const uint32_t hi =
                ((qs >> 4) & 0x0f0f0f0fu) | (spread4((qh >> (16 + 4 * w)) & 15u) << 4);
            p.q[w] = __vsub4(lo, 0x10101010u);
            p.q[w + 4] = __vsub4(hi, 0x10101010u);
        }
        p.scale[0] = mul_rn(d, 1.0f);
        p.min[0] = 0.0f;
    }
};

struct Q5_1 {
    static constexpr BlockFormat kFormat = BlockFormat::Q5_1;
    static constexpr int kBlockElems = 32, kBlockBytes = 24, kPartValues = 32, kGroup = 32;
    static constexpr bool kHasMin = true;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int, Part& p) {
        const float d = half_at(b), m = half_at(b + 2);
        const uint32_t qh = word_at<true>(b + 4);
#pragma unroll
        for (int w = 0; w < 4; ++w) {
            const uint32_t qs = word_at<true>(b + 8 + 4 * w);
            p.q[w] = (qs & 0x0f0f0f0fu) | (spread4((qh >> (4 * w)) & 15u) << 4);
            p.q[w + 4] = ((qs >> 4) & 0x0f0f0f0fu) | (spread4((qh >> (16 + 4 * w)) & 15u) << 4);
        }
        p.scale[0] = mul_rn(d, 1.0f);
        p.min[0] = mul_rn(m, -1.0f);
    }
};

struct Q8_0 {
    static constexpr BlockFormat kFormat = BlockFormat::Q8_0;
    static constexpr int kBlockElems = 32, kBlockBytes = 34, kPartValues = 32, kGroup = 32;
    static constexpr bool kHasMin = false;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int, Part& p) {
#pragma unroll
        for (int w = 0; w < 8; ++w) p.q[w] = word_at<false>(b + 2 + 4 * w);
        p.scale[0] = mul_rn(half_at(b), 1.0f);
        p.min[0] = 0.0f;
    }
};

// --- 256-value super-blocks ---------------------------------------------------

// q2_k: part (h, j) = values 128h + 32j + l, two bits at 2j of qs byte 32h + l;
// 4-bit scale | 4-bit min per group of 16.
struct Q2_K {
    static constexpr BlockFormat kFormat = BlockFormat::Q2_K;
    static constexpr int kBlockElems = 256, kBlockBytes = 84, kPartValues = 32, kGroup = 16;
    static constexpr bool kHasMin = true;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int part, Part& p) {
        const int h = part >> 2, j = part & 3;
        const float d = half_at(b + 80), dmin = half_at(b + 82);
#pragma unroll
        for (int w = 0; w < 8; ++w)
            p.q[w] = (word_at<true>(b + 16 + 32 * h + 4 * w) >> (2 * j)) & 0x03030303u;
#pragma unroll
        for (int g = 0; g < 2; ++g) {
            const uint8_t sm = b[8 * h + 2 * j + g];
            p.scale[g] = mul_rn(d, float(sm & 15));
            p.min[g] = mul_rn(dmin, float(sm >> 4));
        }
    }
};

// q3_k: low two bits as in q2_k, the third at bit 4h + j of hmask byte l,
// code - 4; 6-bit signed scales (stored + 32) per group of 16.
struct Q3_K {
    static constexpr BlockFormat kFormat = BlockFormat::Q3_K;
    static constexpr int kBlockElems = 256, kBlockBytes = 110, kPartValues = 32, kGroup = 16;
    static constexpr bool kHasMin = false;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int part, Part& p) {
        const int h = part >> 2, j = part & 3;
        const float d = half_at(b + 108);
#pragma unroll
        for (int w = 0; w < 8; ++w) {
            const uint32_t low = (word_at<false>(b + 32 + 32 * h + 4 * w) >> (2 * j)) & 0x03030303u;
            const uint32_t high = (word_at<false>(b + 4 * w) >> (4 * h + j)) & 0x01010101u;
            p.q[w] = __vsub4(low | (high << 2), 0x04040404u);
        }
        const uint8_t* sc = b + 96;
#pragma unroll
        for (int g2 = 0; g2 < 2; ++g2) {
            const int g = 8 * h + 2 * j + g2;
            const int low4 = g < 8 ? (sc[g & 7] & 15) : (sc[g & 7] >> 4);
            const int hi2 = (sc[8 + (g & 3)] >> (2 * (g >> 2))) & 3;
            p.scale[g2] = mul_rn(d, float((low4 | (hi2 << 4)) - 32));
            p.min[g2] = 0.0f;
        }
    }
};

// The 6-bit scale and min of group g (0..7) of q4_k / q5_k. Branch-free:
// lanes of a warp decode different groups.
__device__ __forceinline__ void k4_scale_min(const uint8_t* s, int g, int& scale, int& min) {
    const int j = g & 3;
    const int a = s[j], b = s[j + 4], e = s[j + 8];
    const bool high = g >= 4;
    scale = high ? ((e & 15) | ((a >> 6) << 4)) : (a & 63);
    min = high ? ((e >> 4) | ((b >> 6) << 4)) : (b & 63);
}

// q4_k: part c = values 64c .. 64c + 63: low nibbles of qs bytes 32c + l
// (group 2c), then their high nibbles (group 2c + 1).
struct Q4_K {
    static constexpr BlockFormat kFormat = BlockFormat::Q4_K;
    static constexpr int kBlockElems = 256, kBlockBytes = 144, kPartValues = 64, kGroup = 32;
    static constexpr bool kHasMin = true;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int c, Part& p) {
        const float d = half_at(b), dmin = half_at(b + 2);
#pragma unroll
        for (int w = 0; w < 8; ++w) {
            const uint32_t qs = word_at<true>(b + 16 + 32 * c + 4 * w);
            p.q[w] = qs & 0x0f0f0f0fu;
            p.q[w + 8] = (qs >> 4) & 0x0f0f0f0fu;
        }
#pragma unroll
        for (int g2 = 0; g2 < 2; ++g2) {
            int sc, mn;
            k4_scale_min(b + 4, 2 * c + g2, sc, mn);
            p.scale[g2] = mul_rn(d, float(sc));
            p.min[g2] = mul_rn(dmin, float(mn));
        }
    }
};

// q5_k: as q4_k, with the fifth bit of value 32g + l at bit g of qh byte l.
struct Q5_K {
    static constexpr BlockFormat kFormat = BlockFormat::Q5_K;
    static constexpr int kBlockElems = 256, kBlockBytes = 176, kPartValues = 64, kGroup = 32;
    static constexpr bool kHasMin = true;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int c, Part& p) {
        const float d = half_at(b), dmin = half_at(b + 2);
#pragma unroll
        for (int w = 0; w < 8; ++w) {
            const uint32_t qs = word_at<true>(b + 48 + 32 * c + 4 * w);
            const uint32_t qh = word_at<true>(b + 16 + 4 * w);
            p.q[w] = (qs & 0x0f0f0f0fu) | (((qh >> (2 * c)) & 0x01010101u) << 4);
            p.q[w + 8] = ((qs >> 4) & 0x0f0f0f0fu) | (((qh >> (2 * c + 1)) & 0x01010101u) << 4);
        }
#pragma unroll
        for (int g2 = 0; g2 < 2; ++g2) {
            int sc, mn;
            k4_scale_min(b + 4, 2 * c + g2, sc, mn);
            p.scale[g2] = mul_rn(d, float(sc));
            p.min[g2] = mul_rn(dmin, float(mn));
        }
    }
};

// q6_k: part (h, k) = values 128h + 32k + l: low nibble of ql byte
// 64h + 32(k & 1) + l (high nibble for k >= 2), two high bits at 2k of qh
// byte 32h + l, code - 32; int8 scales per group of 16.
struct Q6_K {
    static constexpr BlockFormat kFormat = BlockFormat::Q6_K;
    static constexpr int kBlockElems = 256, kBlockBytes = 210, kPartValues = 32, kGroup = 16;
    static constexpr bool kHasMin = false;
    using Part = QuantPart<kPartValues, kGroup>;
    __device__ static void decode(const uint8_t* b, int part, Part& p) {
        const int h = part >> 2, k = part & 3;
        const float d = half_at(b + 208);
        const int nibble_shift = k < 2 ? 0 : 4;
#pragma unroll
        for (int w = 0; w < 8; ++w) {
            const uint32_t ql = word_at<false>(b + 64 * h + 32 * (k & 1) + 4 * w);
            const uint32_t qh = word_at<false>(b + 128 + 32 * h + 4 * w);
            const uint32_t low = (ql >> nibble_shift) & 0x0f0f0f0fu;
            const uint32_t high = (qh >> (2 * k)) & 0x03030303u;
            p.q[w] = __vsub4(low | (high << 4), 0x20202020u);
        }
#pragma unroll
        for (int g2 = 0; g2 < 2; ++g2) {
            const int8_t sc = static_cast<int8_t>(b[192 + 8 * h + 2 * k + g2]);
            p.scale[g2] = mul_rn(d, float(sc));
            p.min[g2] = 0.0f;
        }
    }
};

// --- Float formats: parts of 32 values ----------------------------------------

struct FloatPart {
    float v[32];
};

struct F32 {
    static constexpr BlockFormat kFormat = BlockFormat::F32;
    static constexpr int kBlockElems = 1, kBlockBytes = 4, kPartValues = 32;
    __device__ static void decode(const uint8_t* p, int n, FloatPart& out) {
        const auto* f = reinterpret_cast<const float*>(p);
#pragma unroll
        for (int i = 0; i < 32; ++i) out.v[i] = i < n ? f[i] : 0.0f;
    }
};

struct F16 {
    static constexpr BlockFormat kFormat = BlockFormat::F16;
    static constexpr int kBlockElems = 1, kBlockBytes = 2, kPartValues = 32;
    __device__ static void decode(const uint8_t* p, int n, FloatPart& out) {
#pragma unroll
        for (int i = 0; i < 32; ++i) out.v[i] = i < n ? half_at(p + 2 * i) : 0.0f;
    }
};

struct BF16 {
    static constexpr BlockFormat kFormat = BlockFormat::BF16;
    static constexpr int kBlockElems = 1, kBlockBytes = 2, kPartValues = 32;
    __device__ static void decode(const uint8_t* p, int n, FloatPart& out) {
        const auto* h = reinterpret_cast<const uint16_t*>(p);
#pragma unroll
        for (int i = 0; i < 32; ++i)
            out.v[i] = i < n ? __uint_as_float(uint32_t(h[i]) << 16) : 0.0f;
    }
};

template <class C> inline constexpr bool kIsFloat = C::kBlockElems == 1;

// Byte of value 4w + b in a packed word, as a signed code.
__device__ __forceinline__ int code_at(uint32_t word, int b) {
    return int(int8_t(uint8_t(word >> (8 * b))));
}

// Calls f(Codec{}) for a format id; the host-side dispatch of every kernel.
// Returns false for formats without kernels.
template <class F> bool visit_format(BlockFormat format, F&& f) {
    switch (format) {
    case BlockFormat::F32:
        f(F32{});
        return true;
    case BlockFormat::F16:
        f(F16{});
        return true;
    case BlockFormat::BF16:
        f(BF16{});
        return true;
    case BlockFormat::Q4_0:
        f(Q4_0{});
        return true;
    case BlockFormat::Q4_1:
        f(Q4_1{});
        return true;
    case BlockFormat::Q5_0:
        f(Q5_0{});
        return true;
    case BlockFormat::Q5_1:
        f(Q5_1{});
        return true;
    case BlockFormat::Q8_0:
        f(Q8_0{});
        return true;
    case BlockFormat::Q2_K:
        f(Q2_K{});
        return true;
    case BlockFormat::Q3_K:
        f(Q3_K{});
        return true;
    case BlockFormat::Q4_K:
        f(Q4_K{});
        return true;
    case BlockFormat::Q5_K:
        f(Q5_K{});
        return true;
    case BlockFormat::Q6_K:
        f(Q6_K{});
        return true;
    default:
        return false;
    }
}

} // namespace hoard::backend::cuda::codec
