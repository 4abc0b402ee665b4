// fp16 / bf16 conversions against exact values and the CPU's own F16C instructions.
#include "test_quant.hpp"

#include "quant/kernels.hpp"

#include <QtTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <immintrin.h>
#include <limits>
#include <random>

using namespace hoard;
using namespace hoard::quant;

// ---------------------------------------------------------------------------
// (d) fp16 / bf16 conversions.

void TestQuant::fp16Conversions() {
    QCOMPARE(fp16_to_fp32(0x0000), 0.0f);
    QVERIFY(std::signbit(fp16_to_fp32(0x8000)));
    QCOMPARE(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
    QCOMPARE(fp16_to_fp32(0x03ff), 1023.0f * std::ldexp(1.0f, -24));
    QCOMPARE(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14)); // smallest normal
    QCOMPARE(fp16_to_fp32(0x3c00), 1.0f);
    QCOMPARE(fp16_to_fp32(0xc000), -2.0f);
    QCOMPARE(fp16_to_fp32(0x7bff), 65504.0f);
    QCOMPARE(fp16_to_fp32(0x7c00), INFINITY);
    QCOMPARE(fp16_to_fp32(0xfc00), -INFINITY);
    QVERIFY(std::isnan(fp16_to_fp32(0x7e00)));
    QVERIFY(std::isnan(fp16_to_fp32(0x7c01)));

    QCOMPARE(fp32_to_fp16(0.0f), uint16_t{0x0000});
    QCOMPARE(fp32_to_fp16(-0.0f), uint16_t{0x8000});
    QCOMPARE(fp32_to_fp16(1.0f), uint16_t{0x3c00});
    QCOMPARE(fp32_to_fp16(65504.0f), uint16_t{0x7bff});
    QCOMPARE(fp32_to_fp16(65519.99f), uint16_t{0x7bff});
    QCOMPARE(fp32_to_fp16(65520.0f), uint16_t{0x7c00}); // rounds to infinity
    QCOMPARE(fp32_to_fp16(1e10f), uint16_t{0x7c00});
    QCOMPARE(fp32_to_fp16(-INFINITY), uint16_t{0xfc00});
    const uint16_t nan = fp32_to_fp16(NAN);
    QVERIFY((nan & 0x7c00) == 0x7c00 && (nan & 0x03ff) != 0);
    QVERIFY(
        std::isnan(fp16_to_fp32(fp32_to_fp16(std::bit_cast<float>(0x7f800001u))))); // signalling
    // Ties round to even, in the normal and the subnormal range.
    QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), uint16_t{0x3c00});
    QCOMPARE(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t{0x3c02});
    QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), uint16_t{0x3c01});
    QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -24)), uint16_t{0x0001});
    QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -25)), uint16_t{0x0000});
    QCOMPARE(fp32_to_fp16(1.5f * std::ldexp(1.0f, -25)), uint16_t{0x0001});
    QCOMPARE(fp32_to_fp16(3.0f * std::ldexp(1.0f, -25)), uint16_t{0x0002});
    QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -26)), uint16_t{0x0000});
    QCOMPARE(fp32_to_fp16(-1023.5f * std::ldexp(1.0f, -24)), uint16_t{0x8400}); // up into normals
    QCOMPARE(fp32_to_fp16(std::numeric_limits<float>::denorm_min()), uint16_t{0x0000});

    // Every half survives the round trip.
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16_to_fp32(static_cast<uint16_t>(h));
        if (std::isnan(f)) continue;
        if (fp32_to_fp16(f) != h)
            QFAIL(qPrintable(QString("0x%1 does not round-trip").arg(h, 4, 16)));
    }
    // Every float rounds to a nearest half, ties to even (checked in double).
    std::mt19937 rng(99);
    for (int i = 0; i < 2000000; ++i) {
        const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
        if (std::isnan(f) || std::fabs(f) >= 65520.0f) continue;
        const uint16_t h = fp32_to_fp16(f);
        const double got = fp16_to_fp32(h);
        const double err = std::fabs(got - double(f));
        for (const int delta : {-1, 1}) {
            const uint16_t other = static_cast<uint16_t>(h + delta);
            if ((other & 0x7fff) >= 0x7c00 || ((h & 0x7fff) == 0 && delta < 0)) continue;
            const double alt = std::fabs(double(fp16_to_fp32(other)) - double(f));
            if (alt < err || (alt == err && (h & 1)))
                QFAIL(qPrintable(QString("%1 -> 0x%2 is not the nearest-even half")
                                     .arg(double(f), 0, 'g', 10)
                                     .arg(h, 4, 16)));
        }
    }
}

namespace {
__attribute__((target("f16c"))) uint16_t hardware_fp16(float f) {
    return _cvtss_sh(f, 0);
}
} // namespace

void TestQuant::fp16MatchesHardware() {
    if (!__builtin_cpu_supports("f16c")) QSKIP("this CPU has no F16C");
    std::mt19937 rng(17);
    for (int i = 0; i < 4000000; ++i) {
        // Half the samples in the range where halves live, so the rounding paths are covered.
        uint32_t bits = static_cast<uint32_t>(rng());
        if (i & 1) bits = (bits & 0x807fffffu) | ((96u + (bits >> 23) % 50u) << 23);
        const float f = std::bit_cast<float>(bits);
        const uint16_t want = hardware_fp16(f);
        if (fp32_to_fp16(f) != want)
            QFAIL(qPrintable(QString("0x%1: 0x%2 vs hardware 0x%3")
                                 .arg(bits, 8, 16)
                                 .arg(fp32_to_fp16(f), 4, 16)
                                 .arg(want, 4, 16)));
    }
}

void TestQuant::bf16Conversions() {
    QCOMPARE(bf16_to_fp32(0x3f80), 1.0f);
    QCOMPARE(bf16_to_fp32(0xc040), -3.0f);
    QCOMPARE(bf16_to_fp32(0x0001), std::bit_cast<float>(0x00010000u)); // subnormal
    QCOMPARE(bf16_to_fp32(0x7f80), INFINITY);
    QVERIFY(std::isnan(bf16_to_fp32(0x7fc0)));
    QCOMPARE(fp32_to_bf16(1.0f), uint16_t{0x3f80});
    QCOMPARE(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)), uint16_t{0x3f80}); // tie, even below
    QCOMPARE(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)), uint16_t{0x3f82}); // tie, even above
    QCOMPARE(fp32_to_bf16(std::bit_cast<float>(0x3f808001u)), uint16_t{0x3f81});
    QCOMPARE(fp32_to_bf16(std::numeric_limits<float>::max()), uint16_t{0x7f80}); // rounds to inf
    QCOMPARE(fp32_to_bf16(-INFINITY), uint16_t{0xff80});
    QCOMPARE(fp32_to_bf16(-0.0f), uint16_t{0x8000});
    QCOMPARE(fp32_to_bf16(std::bit_cast<float>(0x00008000u)), uint16_t{0x0000}); // subnormal tie
    const uint16_t nan = fp32_to_bf16(std::bit_cast<float>(0x7f800001u));
    QVERIFY((nan & 0x7f80) == 0x7f80 && (nan & 0x007f) != 0); // stays NaN, not inf
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = bf16_to_fp32(static_cast<uint16_t>(h));
        if (!std::isnan(f) && fp32_to_bf16(f) != h)
            QFAIL(qPrintable(QString("bf16 0x%1 does not round-trip").arg(h, 4, 16)));
    }
    std::mt19937 rng(31);
    for (int i = 0; i < 2000000; ++i) {
        const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
        if (std::isnan(f) || std::isinf(f)) continue;
        const uint16_t h = fp32_to_bf16(f);
        const double got = bf16_to_fp32(h);
        if (std::isinf(got)) continue; // overflow, checked above
        const uint16_t down = static_cast<uint16_t>(std::bit_cast<uint32_t>(f) >> 16);
        const uint16_t other = (h == down) ? static_cast<uint16_t>(down + 1) : down;
        const double alt = bf16_to_fp32(other);
        const double err = std::fabs(got - f), alt_err = std::fabs(alt - f);
        if (std::isfinite(alt) && (alt_err < err || (alt_err == err && (h & 1))))
            QFAIL(qPrintable(
                QString("%1 -> bf16 0x%2 is not nearest-even").arg(double(f)).arg(h, 4, 16)));
    }
}
