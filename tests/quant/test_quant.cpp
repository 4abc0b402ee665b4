// Block formats, (de)quantization and the dot-product kernels of every ISA.
#include "test_quant.hpp"
#include "common/conformance.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "quant/kernel_bench.hpp"
#include "quant/kernels.hpp"
#include "quant_test_data.hpp"

#include <QtTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <immintrin.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace hoard;
using namespace hoard::quant;

using namespace quant_test;

namespace {

void add_format_rows() {
    QTest::addColumn<BlockFormat>("format");
    for (const BlockFormat f : kComputable) QTest::newRow(std::string(format_name(f)).c_str()) << f;
}

} // namespace

// ---------------------------------------------------------------------------
// (a) Dequantization: bit-exact against quant-zoo.gguf.

void TestQuant::dequantizeMatchesZoo_data() {
    QTest::addColumn<QString>("name");
    for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k",
                             "q6_k", "f16", "bf16"})
        QTest::newRow(name) << QString(name);
}

void TestQuant::dequantizeMatchesZoo() {
    QFETCH(QString, name);
    auto file = gguf::GgufFile::open(test::conformance_path("quant-zoo.gguf"));
    const auto& t = file->tensor(name.toStdString());
    const auto& ref = file->tensor(name.toStdString() + ".f32");
    QCOMPARE(
        QString::fromUtf8(format_name(t.format).data(), format_name(t.format).size()).toLower(),
        name);
    QCOMPARE(ref.format, BlockFormat::F32);
    QCOMPARE(ref.n_elements, t.n_elements);
    QCOMPARE(t.row_bytes(), row_bytes(t.format, t.row_length()));

    std::vector<float> got(t.n_elements);
    for (uint64_t r = 0; r < t.n_rows(); ++r)
        dequantize_row(t.format, t.data + r * t.row_bytes(), got.data() + r * t.row_length(),
                       t.row_length());
    size_t mismatches = 0, nonzero = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        const float want = f32_from(ref.data + 4 * i);
        if (want != 0.0f) ++nonzero;
        if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want) &&
            !(got[i] == 0.0f && want == 0.0f)) {
            if (mismatches++ < 5)
                qWarning("value %zu: got %.9g, want %.9g", i, double(got[i]), double(want));
        }
    }
    QCOMPARE(mismatches, size_t{0});
    QVERIFY(nonzero > got.size() / 2); // the reference data is not trivially zero
}

// ---------------------------------------------------------------------------
// Real reference-quantized weights through every ISA's matmul: the result must
// equal the float product with the dequantized weights up to the activation
// rounding (a strict bound: sum |w| * half step).

void TestQuant::zooMatmulMatchesReference_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<Isa>("isa");
    for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k",
                             "q6_k", "f16", "bf16"})
        for (const Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
            QTest::newRow((std::string(name) + "/" + std::string(isa_name(isa))).c_str())
                << QString(name) << isa;
}

void TestQuant::zooMatmulMatchesReference() {
    QFETCH(QString, name);
    QFETCH(Isa, isa);
    if (!isa_supported(isa))
        QSKIP(qPrintable("this CPU has no " + QString::fromLatin1(isa_name(isa).data())));
    auto file = gguf::GgufFile::open(test::conformance_path("quant-zoo.gguf"));
    const auto& t = file->tensor(name.toStdString());
    const auto& ref = file->tensor(name.toStdString() + ".f32");
    const size_t n = t.row_length(), rows = t.n_rows();

    std::mt19937 rng(7);
    const size_t n_cols = 3;
    const size_t stride = activation_bytes(t.format, n);
    std::vector<uint8_t> act(stride * n_cols);
    std::vector<std::vector<float>> xs;
    for (size_t c = 0; c < n_cols; ++c) {
        xs.push_back(random_activation(n, rng));
        encode_activation(t.format, xs.back().data(), n, act.data() + c * stride);
    }
    std::vector<float> out(rows * n_cols);
    matmul_with(isa, t.format, t.data, t.row_bytes(), rows, n, act.data(), stride, n_cols,
                out.data(), n_cols);

    std::vector<double> xq, half_step;
    for (size_t c = 0; c < n_cols; ++c) {
        decode_activation(t.format, act.data() + c * stride, n, xq, half_step);
        for (size_t r = 0; r < rows; ++r) {
            double exact = 0, encoded = 0, bound = 0, magnitude = 0;
            for (size_t i = 0; i < n; ++i) {
                const double w = f32_from(ref.data + 4 * (r * n + i));
                exact += w * xs[c][i];
                encoded += w * xq[i];
                bound += std::fabs(w) * half_step[i];
                magnitude += std::fabs(w * xq[i]);
            }
            const double got = out[r * n_cols + c];
            // Against the same encoded activation: float rounding only.
            if (std::fabs(got - encoded) > 2e-6 * magnitude + 1e-6)
                QFAIL(qPrintable(QString("row %1 col %2: %3 vs %4 with the encoded activation")
                                     .arg(r)
                                     .arg(c)
                                     .arg(got, 0, 'g', 9)
                                     .arg(encoded, 0, 'g', 9)));
            // Against the raw activation: within the activation rounding.
            const double tolerance = bound * 1.0001 + 1e-5 * magnitude + 1e-6;
            if (std::fabs(got - exact) > tolerance)
                QFAIL(qPrintable(QString("row %1 col %2: %3 vs %4 (tolerance %5)")
                                     .arg(r)
                                     .arg(c)
                                     .arg(got)
                                     .arg(exact)
                                     .arg(tolerance)));
        }
    }
}

// ---------------------------------------------------------------------------
// (b) Random weights (every bit pattern), odd shapes, padded strides.

void TestQuant::scalarMatchesFloatReference_data() {
    add_format_rows();
}

void TestQuant::scalarMatchesFloatReference() {
    QFETCH(BlockFormat, format);
    std::mt19937 rng(11);
    for (const Shape& shape : kShapes) {
        const Problem p(format, shape, rng);
        const std::vector<float> out = p.run(Isa::Scalar);
        std::vector<float> w_row(p.n);
        std::vector<double> xq, half_step;
        for (size_t c = 0; c < p.n_cols; ++c) {
            decode_activation(format, p.act.data() + c * p.act_stride, p.n, xq, half_step);
            for (size_t r = 0; r < p.n_rows; ++r) {
                dequantize_row(format, p.w.data() + r * p.row_stride, w_row.data(), p.n);
                double with_encoded = 0, with_raw = 0, bound = 0, magnitude = 0;
                for (size_t i = 0; i < p.n; ++i) {
                    with_encoded += double(w_row[i]) * xq[i];
                    with_raw += double(w_row[i]) * p.x[c][i];
                    bound += std::fabs(w_row[i]) * half_step[i];
                    magnitude += std::fabs(double(w_row[i]) * xq[i]);
                }
                const double got = out[r * p.out_stride + c];
                const QString where = QString("n_rows %1 n %2 n_cols %3, row %4 col %5")
                                          .arg(p.n_rows)
                                          .arg(p.n)
                                          .arg(p.n_cols)
                                          .arg(r)
                                          .arg(c);
                // Same inputs: only float rounding separates the two.
                if (std::fabs(got - with_encoded) > 1e-6 * magnitude + 1e-6)
                    QFAIL(qPrintable(
                        where +
                        QString(": %1 vs encoded reference %2").arg(got).arg(with_encoded)));
                // Raw activations: at most the activation rounding apart.
                if (std::fabs(got - with_raw) > bound * 1.0001 + 1e-6 * magnitude + 1e-6)
                    QFAIL(qPrintable(where + QString(": %1 vs raw reference %2 (bound %3)")
                                                 .arg(got)
                                                 .arg(with_raw)
                                                 .arg(bound)));
            }
        }
        // Padding between outputs is left alone.
        for (size_t r = 0; r < p.n_rows; ++r)
            for (size_t c = p.n_cols; c < p.out_stride; ++c)
                QCOMPARE(out[r * p.out_stride + c], -12345.0f);
    }
}

void TestQuant::isaMatchesScalar_data() {
    QTest::addColumn<BlockFormat>("format");
    QTest::addColumn<Isa>("isa");
    for (const Isa isa : {Isa::Avx2, Isa::Avx512})
        for (const BlockFormat f : kComputable)
            QTest::newRow((std::string(format_name(f)) + "/" + std::string(isa_name(isa))).c_str())
                << f << isa;
}

void TestQuant::isaMatchesScalar() {
    QFETCH(BlockFormat, format);
    QFETCH(Isa, isa);
    if (!isa_supported(isa))
        QSKIP(qPrintable("this CPU has no " + QString::fromLatin1(isa_name(isa).data())));
    std::mt19937 rng(23);
    for (const Shape& shape : kShapes) {
        for (int repeat = 0; repeat < 3; ++repeat) {
            const Problem p(format, shape, rng);
            const std::vector<float> want = p.run(Isa::Scalar);
            const std::vector<float> got = p.run(isa);
            std::vector<float> w_row(p.n);
            std::vector<double> xq, half_step;
            for (size_t c = 0; c < p.n_cols; ++c) {
                decode_activation(format, p.act.data() + c * p.act_stride, p.n, xq, half_step);
                for (size_t r = 0; r < p.n_rows; ++r) {
                    dequantize_row(format, p.w.data() + r * p.row_stride, w_row.data(), p.n);
                    double magnitude = 0;
                    for (size_t i = 0; i < p.n; ++i)
                        magnitude += std::fabs(double(w_row[i]) * xq[i]);
                    const double g = got[r * p.out_stride + c], s = want[r * p.out_stride + c];
                    if (!(std::fabs(g - s) <= 2e-6 * magnitude + 1e-6))
                        QFAIL(qPrintable(QString("n_rows %1 n %2 n_cols %3, row %4 col %5: %6 vs "
                                                 "scalar %7 (sum |w x| %8)")
                                             .arg(p.n_rows)
                                             .arg(p.n)
                                             .arg(p.n_cols)
                                             .arg(r)
                                             .arg(c)
                                             .arg(g, 0, 'g', 9)
                                             .arg(s, 0, 'g', 9)
                                             .arg(magnitude)));
                }
            }
            for (size_t r = 0; r < p.n_rows; ++r)
                for (size_t c = p.n_cols; c < p.out_stride; ++c)
                    QCOMPARE(got[r * p.out_stride + c], -12345.0f);
        }
    }
}

// ---------------------------------------------------------------------------
// (c) Reference quantizers: error on Gaussian data within per-format bounds.

void TestQuant::quantizeRoundTrip_data() {
    QTest::addColumn<BlockFormat>("format");
    QTest::addColumn<double>("max_rmse"); // relative to the data's standard deviation
    // Bounds sit about 10% above what these quantizers reach.
    const std::pair<BlockFormat, double> rows[] = {
        {BlockFormat::F32, 0.0},     {BlockFormat::F16, 2.3e-4}, {BlockFormat::BF16, 1.85e-3},
        {BlockFormat::Q8_0, 5.5e-3}, {BlockFormat::Q5_1, 0.037}, {BlockFormat::Q5_0, 0.044},
        {BlockFormat::Q4_1, 0.077},  {BlockFormat::Q4_0, 0.089}, {BlockFormat::Q6_K, 0.0185},
        {BlockFormat::Q5_K, 0.039},  {BlockFormat::Q4_K, 0.078}, {BlockFormat::Q3_K, 0.158},
        {BlockFormat::Q2_K, 0.29},
    };
    for (const auto& [f, bound] : rows)
        QTest::newRow(std::string(format_name(f)).c_str()) << f << bound;
}

void TestQuant::quantizeRoundTrip() {
    QFETCH(BlockFormat, format);
    QFETCH(double, max_rmse);
    const size_t n = 4096, rows = 16;
    std::mt19937 rng(5);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    double sq_err = 0, sq_val = 0;
    std::vector<float> x(n), y(n);
    std::vector<uint8_t> q(row_bytes(format, n));
    for (size_t r = 0; r < rows; ++r) {
        const float sigma = std::ldexp(1.0f, static_cast<int>(r % 5) - 3); // scale-independent
        for (float& v : x) v = gauss(rng) * sigma;
        quantize_row(format, x.data(), q.data(), n);
        dequantize_row(format, q.data(), y.data(), n);
        for (size_t i = 0; i < n; ++i) {
            QVERIFY(std::isfinite(y[i]));
            sq_err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]) / (double(sigma) * sigma);
            sq_val += double(x[i]) * x[i] / (double(sigma) * sigma);
        }
    }
    const double rmse = std::sqrt(sq_err / (rows * n));
    qInfo("%s: RMSE %.5f of the standard deviation (%.2f bits per weight)",
          std::string(format_name(format)).c_str(), rmse, bits_per_weight(format));
    QVERIFY2(rmse <= max_rmse, qPrintable(QString("RMSE %1 > %2").arg(rmse).arg(max_rmse)));
    QVERIFY(sq_val > 0.9 * rows * n);

    // Quantizing what was dequantized must not drift further.
    std::vector<uint8_t> q2(q.size());
    std::vector<float> y2(n);
    quantize_row(format, y.data(), q2.data(), n);
    dequantize_row(format, q2.data(), y2.data(), n);
    double drift = 0;
    for (size_t i = 0; i < n; ++i) drift += (double(y2[i]) - y[i]) * (double(y2[i]) - y[i]);
    const double sigma_last = std::ldexp(1.0, static_cast<int>((rows - 1) % 5) - 3);
    QVERIFY2(std::sqrt(drift / n) / sigma_last <= max_rmse,
             qPrintable(QString("requantization drift %1").arg(std::sqrt(drift / n) / sigma_last)));
}

void TestQuant::quantizeSpecialRows_data() {
    add_format_rows();
}

void TestQuant::quantizeSpecialRows() {
    QFETCH(BlockFormat, format);
    const size_t n = 512;
    std::vector<uint8_t> q(row_bytes(format, n));
    std::vector<float> x(n), y(n);

    // All zeros stay zeros.
    quantize_row(format, x.data(), q.data(), n);
    dequantize_row(format, q.data(), y.data(), n);
    for (float v : y) QCOMPARE(v, 0.0f);

    // A constant row, a lone outlier, all-negative and all-positive rows: no
    // NaN, and errors within a fraction of each block's range.
    std::mt19937 rng(3);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    for (int kind = 0; kind < 4; ++kind) {
        for (size_t i = 0; i < n; ++i) {
            switch (kind) {
            case 0:
                x[i] = 0.75f;
                break;
            case 1:
                x[i] = (i == 77) ? 50.0f : 0.01f * gauss(rng);
                break;
            case 2:
                x[i] = -std::fabs(gauss(rng)) - 1.0f;
                break;
            default:
                x[i] = std::fabs(gauss(rng)) + 1.0f;
                break;
            }
        }
        quantize_row(format, x.data(), q.data(), n);
        dequantize_row(format, q.data(), y.data(), n);
        const size_t block =
            format_info(format).block_elems == 1 ? 32 : format_info(format).block_elems;
        for (size_t start = 0; start < n; start += block) {
            float peak = 0;
            for (size_t i = start; i < start + block; ++i) peak = std::max(peak, std::fabs(x[i]));
            for (size_t i = start; i < start + block; ++i) {
                QVERIFY(std::isfinite(y[i]));
                // Two-bit codes can be a third of the range off; everything else much less.
                QVERIFY2(std::fabs(y[i] - x[i]) <= 0.34f * peak + 1e-6f,
                         qPrintable(QString("kind %1 value %2: %3 -> %4")
                                        .arg(kind)
                                        .arg(i)
                                        .arg(x[i])
                                        .arg(y[i])));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Errors and dispatch.

void TestQuant::badArgumentsThrow() {
    std::vector<uint8_t> bytes(4096);
    std::vector<float> values(1024);
    QVERIFY_THROWS_EXCEPTION(Error,
                             dequantize_row(BlockFormat::Q8_K, bytes.data(), values.data(), 256));
    QVERIFY_THROWS_EXCEPTION(
        Error, dequantize_row(static_cast<BlockFormat>(99), bytes.data(), values.data(), 32));
    QVERIFY_THROWS_EXCEPTION(Error,
                             dequantize_row(BlockFormat::Q4_K, bytes.data(), values.data(), 100));
    QVERIFY_THROWS_EXCEPTION(Error,
                             quantize_row(BlockFormat::Q4_0, values.data(), bytes.data(), 33));
    QVERIFY_THROWS_EXCEPTION(Error, quantize_row(BlockFormat::I8, values.data(), bytes.data(), 32));
    QVERIFY_THROWS_EXCEPTION(Error, activation_bytes(BlockFormat::Q8_1, 32));
    QVERIFY_THROWS_EXCEPTION(
        Error, encode_activation(BlockFormat::Q6_K, values.data(), 128, bytes.data()));
    float out = 0;
    QVERIFY_THROWS_EXCEPTION(
        Error, matmul(BlockFormat::Q4_K, bytes.data(), 144, 1, 255, bytes.data(), 0, 1, &out, 1));
    QVERIFY_THROWS_EXCEPTION(
        Error, matmul(BlockFormat::I32, bytes.data(), 4, 1, 1, bytes.data(), 0, 1, &out, 1));
    try {
        quantize_row(BlockFormat::Q8_K, values.data(), bytes.data(), 256);
        QFAIL("no exception");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("q8_K"), e.what()); // names the format
    }
}

void TestQuant::dispatchSelection() {
    QVERIFY(isa_supported(Isa::Scalar));
    const Isa best = best_supported_isa();
    QVERIFY(isa_supported(best));
    if (best == Isa::Avx512) QVERIFY(isa_supported(Isa::Avx2));
    QCOMPARE(isa_supported(Isa::Avx2),
             bool(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("f16c")));
    QCOMPARE(isa_supported(Isa::Avx512),
             bool(isa_supported(Isa::Avx2) && __builtin_cpu_supports("avx512f") &&
                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512dq")));
    qInfo("best ISA here: %s", std::string(isa_name(best)).c_str());

    const Isa before = active_isa();
    for (const Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
        if (!isa_supported(isa)) {
            QVERIFY_THROWS_EXCEPTION(Error, set_active_isa(isa));
            continue;
        }
        set_active_isa(isa);
        QCOMPARE(active_isa(), isa);
        // matmul follows the active ISA exactly.
        std::mt19937 rng(1);
        const Problem p(BlockFormat::Q4_K, Shape{5, 2, 2}, rng);
        std::vector<float> out(p.n_rows * p.out_stride, -12345.0f);
        matmul(p.format, p.w.data(), p.row_stride, p.n_rows, p.n, p.act.data(), p.act_stride,
               p.n_cols, out.data(), p.out_stride);
        const std::vector<float> want = p.run(isa);
        for (size_t i = 0; i < out.size(); ++i) QCOMPARE(out[i], want[i]);
    }
    set_active_isa(before);
}

void TestQuant::benchmarksRun() {
    // Small sizes: this checks the plumbing and the arithmetic of the figures,
    // not the machine.
    const KernelThroughput k = measure_matmul_throughput(BlockFormat::Q4_K, best_supported_isa(), 2,
                                                         2, size_t{1} << 20, 1024, 0.01);
    QCOMPARE(k.format, BlockFormat::Q4_K);
    QCOMPARE(k.threads, 2u);
    QCOMPARE(k.row_length, size_t{1024});
    QCOMPARE(k.matrix_bytes, k.n_rows * row_bytes(BlockFormat::Q4_K, 1024));
    QVERIFY(k.seconds_per_pass > 0 && k.weight_gb_per_s > 0);
    QVERIFY(std::fabs(k.weight_gb_per_s - k.matrix_bytes / k.seconds_per_pass / 1e9) <
            1e-6 * k.weight_gb_per_s);
    QVERIFY(std::fabs(k.gflops - 2.0 * k.n_rows * 1024 * 2 / k.seconds_per_pass / 1e9) <
            1e-6 * k.gflops);
    const MemoryBandwidth m = measure_memory_bandwidth(2, size_t{1} << 22, 0.01);
    QCOMPARE(m.threads, 2u);
    QVERIFY(m.buffer_bytes >= size_t{1} << 22);
    QVERIFY(m.gb_per_s > 0);
    QVERIFY_THROWS_EXCEPTION(Error, measure_matmul_throughput(BlockFormat::Q8_K, Isa::Scalar));
}

QTEST_APPLESS_MAIN(TestQuant)
