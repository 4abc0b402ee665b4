// CPU backend: thread pool semantics, and every op of the forward pass against
// a straightforward double-precision reference.
#include "backend/cpu/attention.hpp"
#include "backend/cpu/gated_activation.hpp"
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/rms_norm.hpp"
#include "backend/cpu/rope.hpp"
#include "backend/cpu/softmax.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "quant/kernels.hpp"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

using namespace hoard::backend::cpu;
using hoard::quant::BlockFormat;

namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

double max_abs_diff(const float* a, const double* b, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
    return m;
}

// Weights stored in `format`, with their exact float values for the reference.
struct EncodedMatrix {
    std::vector<uint8_t> bytes;
    std::vector<float> values; // dequantized, n_rows × n
    MatrixView view;
};

EncodedMatrix encode_matrix(BlockFormat format, size_t n_rows, size_t n, uint32_t seed) {
    EncodedMatrix m;
    const std::vector<float> w = random_vector(n_rows * n, seed, 0.5f);
    const size_t row_bytes = hoard::quant::row_bytes(format, n);
    m.bytes.resize(row_bytes * n_rows);
    m.values.resize(n_rows * n);
    for (size_t r = 0; r < n_rows; ++r) {
        hoard::quant::quantize_row(format, w.data() + r * n, m.bytes.data() + r * row_bytes, n);
        hoard::quant::dequantize_row(format, m.bytes.data() + r * row_bytes,
                                     m.values.data() + r * n, n);
    }
    m.view = MatrixView{format, m.bytes.data(), n_rows, n, row_bytes};
    return m;
}

} // namespace

class TestBackend : public QObject {
    Q_OBJECT

  private slots:
    void threadPoolCoversEveryIndexOnce() {
        for (size_t threads : {size_t(1), size_t(2), size_t(4), size_t(7)}) {
            ThreadPool pool(threads);
            QCOMPARE(pool.size(), threads);
            for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(100), size_t(1001)}) {
                std::vector<std::atomic<int>> hits(n);
                std::mutex mutex;
                std::set<size_t> chunks;
                size_t n_chunks = 0;
                pool.parallel_for_chunks(n, [&](size_t chunk, size_t begin, size_t end) {
                    QVERIFY(begin < end && end <= n);
                    for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
                    std::lock_guard lock(mutex);
                    chunks.insert(chunk);
                    ++n_chunks;
                });
                for (size_t i = 0; i < n; ++i) QCOMPARE(hits[i].load(), 1);
                QCOMPARE(chunks.size(), n_chunks); // chunk ids unique within a call
                QVERIFY(n_chunks <= std::max<size_t>(threads, 1));
                if (n > 0) QVERIFY(*chunks.rbegin() < threads);
            }
        }
    }

    void threadPoolTakesStdFunction() {
        ThreadPool pool(3);
        std::atomic<size_t> count{0};
        const ThreadPool::RangeFn range = [&](size_t begin, size_t end) { count += end - begin; };
        pool.parallel_for(50, range);
        const ThreadPool::ChunkFn chunks = [&](size_t chunk, size_t begin, size_t end) {
            QVERIFY(chunk < 3);
            count += end - begin;
        };
        pool.parallel_for_chunks(50, chunks);
        QCOMPARE(count.load(), size_t(100));
    }

    void threadPoolManySmallCalls() {
        ThreadPool pool(4);
        std::atomic<uint64_t> sum{0};
        uint64_t expected = 0;
        for (size_t call = 0; call < 20000; ++call) {
            const size_t n = 1 + call % 9;
            pool.parallel_for(n, [&](size_t begin, size_t end) {
                uint64_t local = 0;
                for (size_t i = begin; i < end; ++i) local += i + call;
                sum.fetch_add(local);
            });
            for (size_t i = 0; i < n; ++i) expected += i + call;
        }
        QCOMPARE(sum.load(), expected);
    }

    void threadPoolAfterIdleSleep() {
        // Workers that fell asleep between calls must still be woken.
        ThreadPool pool(3);
        for (int round = 0; round < 3; ++round) {
            QThread::msleep(20);
            std::atomic<size_t> count{0};
            pool.parallel_for(300, [&](size_t begin, size_t end) { count += end - begin; });
            QCOMPARE(count.load(), size_t(300));
        }
    }

    void threadPoolRethrowsAndRecovers() {
        ThreadPool pool(4);
        bool thrown = false;
        try {
            pool.parallel_for(100, [](size_t begin, size_t end) {
                if (begin <= 60 && 60 < end) throw std::runtime_error("chunk failed");
            });
        } catch (const std::runtime_error& e) {
            thrown = std::string(e.what()) == "chunk failed";
        }
        QVERIFY(thrown);
        std::atomic<size_t> count{0};
        pool.parallel_for(100, [&](size_t begin, size_t end) { count += end - begin; });
        QCOMPARE(count.load(), size_t(100));
    }

    void threadPoolNestedCallRunsInline() {
        ThreadPool pool(4);
        std::atomic<size_t> count{0};
        pool.parallel_for(8, [&](size_t begin, size_t end) {
            for (size_t i = begin; i < end; ++i)
                pool.parallel_for(10, [&](size_t b, size_t e) { count += e - b; });
        });
        QCOMPARE(count.load(), size_t(80));
    }

    void matmul_data() {
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("cols");
        QTest::addColumn<double>("tolerance"); // relative to the output's scale
        for (int cols : {1, 3, 40}) {
            for (int rows : {1, 37, 300}) {
                const QByteArray tag = QByteArray::number(rows) + "x" + QByteArray::number(cols);
                QTest::newRow("f32 " + tag) << int(BlockFormat::F32) << rows << 512 << cols << 1e-5;
                QTest::newRow("f16 " + tag) << int(BlockFormat::F16) << rows << 512 << cols << 1e-5;
                // Quantized weights meet 8-bit activations: the error is the activation's.
                QTest::newRow("q8_0 " + tag)
                    << int(BlockFormat::Q8_0) << rows << 512 << cols << 2e-2;
                QTest::newRow("q4_K " + tag)
                    << int(BlockFormat::Q4_K) << rows << 512 << cols << 2e-2;
            }
        }
    }

    void matmul() {
        QFETCH(int, format);
        QFETCH(int, rows);
        QFETCH(int, n);
        QFETCH(int, cols);
        QFETCH(double, tolerance);
        const EncodedMatrix w = encode_matrix(BlockFormat(format), rows, n, 7);
        const size_t x_stride = n + 5; // columns need not be packed
        const std::vector<float> x = random_vector(cols * x_stride, 11);

        std::vector<double> ref(size_t(cols) * rows);
        double scale = 0.0;
        for (int c = 0; c < cols; ++c)
            for (int r = 0; r < rows; ++r) {
                double acc = 0.0;
                for (int i = 0; i < n; ++i)
                    acc += double(w.values[size_t(r) * n + i]) * x[c * x_stride + i];
                ref[size_t(c) * rows + r] = acc;
                scale = std::max(scale, std::abs(acc));
            }

        ThreadPool pool(3);
        ActivationBatch batch;
        batch.reset(x.data(), n, cols, x_stride);
        const size_t out_stride = rows + 3;
        std::vector<float> out(cols * out_stride, -1234.0f);
        hoard::backend::cpu::matmul(pool, w.view, batch, out.data(), out_stride);
        for (int c = 0; c < cols; ++c) {
            const double err =
                max_abs_diff(out.data() + c * out_stride, ref.data() + c * rows, rows);
            if (err > tolerance * scale)
                QFAIL(qPrintable(
                    QString("column %1: error %2 > %3").arg(c).arg(err).arg(tolerance * scale)));
            for (size_t pad = rows; pad < out_stride; ++pad)
                QCOMPARE(out[c * out_stride + pad], -1234.0f); // nothing written past the rows
        }
    }

    void matmulReusesEncodingAcrossWeights() {
        ThreadPool pool(2);
        const EncodedMatrix a = encode_matrix(BlockFormat::F16, 20, 64, 1);
        const EncodedMatrix b = encode_matrix(BlockFormat::F32, 20, 64, 2);
        const std::vector<float> x = random_vector(64, 3);
        ActivationBatch batch;
        batch.reset(x.data(), 64, 1, 64);
        std::vector<float> out_a(20), out_b(20), again(20), single(20);
        hoard::backend::cpu::matmul(pool, a.view, batch, out_a.data(), 20);
        hoard::backend::cpu::matmul(pool, b.view, batch, out_b.data(), 20);
        hoard::backend::cpu::matmul(pool, a.view, batch, again.data(), 20);
        matvec(pool, a.view, x.data(), single.data());
        QCOMPARE(again, out_a);
        QCOMPARE(single, out_a);
        // A reset to new values must not reuse the old encoding.
        const std::vector<float> y = random_vector(64, 4);
        batch.reset(y.data(), 64, 1, 64);
        hoard::backend::cpu::matmul(pool, a.view, batch, again.data(), 20);
        matvec(pool, a.view, y.data(), single.data());
        QCOMPARE(again, single);
        QVERIFY(again != out_a);
    }

    void rmsNorm() {
        const size_t n = 300;
        const std::vector<float> x = random_vector(n, 5, 3.0f);
        const std::vector<float> w = random_vector(n, 6);
        const float eps = 1e-6f;
        double ss = 0.0;
        for (float v : x) ss += double(v) * v;
        const double inv = 1.0 / std::sqrt(ss / n + eps);
        std::vector<double> ref(n), ref_plain(n);
        for (size_t i = 0; i < n; ++i) {
            ref[i] = x[i] * inv * w[i];
            ref_plain[i] = x[i] * inv;
        }
        std::vector<float> out(n);
        rms_norm(x.data(), w.data(), out.data(), n, eps);
        QVERIFY(max_abs_diff(out.data(), ref.data(), n) < 1e-5);
        rms_norm(x.data(), nullptr, out.data(), n, eps);
        QVERIFY(max_abs_diff(out.data(), ref_plain.data(), n) < 1e-5);

        // Rows in place: three heads of 100 with one weight vector.
        std::vector<float> rows = x;
        rms_norm_rows(rows.data(), 3, 100, w.data(), 100, eps);
        for (size_t h = 0; h < 3; ++h) {
            double hs = 0.0;
            for (size_t i = 0; i < 100; ++i) hs += double(x[h * 100 + i]) * x[h * 100 + i];
            const double hinv = 1.0 / std::sqrt(hs / 100 + eps);
            for (size_t i = 0; i < 100; ++i)
                QVERIFY(std::abs(rows[h * 100 + i] - x[h * 100 + i] * hinv * w[i]) < 1e-5);
        }
    }

    void rope_data() {
        QTest::addColumn<int>("style");
        QTest::addColumn<int>("head_dim");
        QTest::addColumn<int>("n_rot");
        QTest::addColumn<int>("position");
        for (int style : {int(RopeStyle::Interleaved), int(RopeStyle::NeoX)}) {
            const char* name = style == int(RopeStyle::Interleaved) ? "interleaved" : "neox";
            QTest::newRow(QByteArray(name) + " full") << style << 64 << 64 << 17;
            QTest::newRow(QByteArray(name) + " partial") << style << 64 << 32 << 1234;
            QTest::newRow(QByteArray(name) + " position 0") << style << 16 << 16 << 0;
        }
    }

    void rope() {
        QFETCH(int, style);
        QFETCH(int, head_dim);
        QFETCH(int, n_rot);
        QFETCH(int, position);
        const float base = 1e6f;
        const size_t n_heads = 3;
        const std::vector<float> x = random_vector(n_heads * head_dim, 9);
        RopeAngles angles;
        angles.compute(position, n_rot, base);
        std::vector<float> out = x;
        apply_rope(out.data(), n_heads, head_dim, angles, RopeStyle(style));

        for (size_t h = 0; h < n_heads; ++h) {
            const float* in = x.data() + h * head_dim;
            const float* got = out.data() + h * head_dim;
            std::vector<double> ref(in, in + head_dim);
            for (int i = 0; i < n_rot / 2; ++i) {
                const int a = style == int(RopeStyle::Interleaved) ? 2 * i : i;
                const int b = style == int(RopeStyle::Interleaved) ? 2 * i + 1 : i + n_rot / 2;
                const double theta = position * std::pow(double(base), -2.0 * i / n_rot);
                ref[a] = in[a] * std::cos(theta) - in[b] * std::sin(theta);
                ref[b] = in[a] * std::sin(theta) + in[b] * std::cos(theta);
            }
            QVERIFY(max_abs_diff(got, ref.data(), head_dim) < 1e-5);
            for (int i = n_rot; i < head_dim; ++i) QCOMPARE(got[i], in[i]); // untouched tail
        }
        if (position == 0) QCOMPARE(out, x);
    }

    void ropeDependsOnRelativePosition() {
        // q at m and k at n score the same as q at m+d and k at n+d.
        for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::NeoX}) {
            const std::vector<float> q = random_vector(32, 1), k = random_vector(32, 2);
            auto score = [&](int m, int n) {
                std::vector<float> qq = q, kk = k;
                RopeAngles a;
                a.compute(m, 32, 10000.0f);
                apply_rope(qq.data(), 1, 32, a, style);
                a.compute(n, 32, 10000.0f);
                apply_rope(kk.data(), 1, 32, a, style);
                double s = 0.0;
                for (size_t i = 0; i < 32; ++i) s += double(qq[i]) * kk[i];
                return s;
            };
            QVERIFY(std::abs(score(7, 3) - score(107, 103)) < 1e-4);
            QVERIFY(std::abs(score(7, 3) - score(3, 7)) > 1e-3); // and it does depend on it
        }
    }

    void softmaxAndSilu() {
        std::vector<float> x = {1000.0f, 1001.0f, 999.0f, -50.0f};
        softmax(x.data(), x.size());
        const double e0 = std::exp(-1.0), e2 = std::exp(-2.0), e3 = std::exp(-1051.0);
        const double sum = e0 + 1.0 + e2 + e3;
        const double ref[] = {e0 / sum, 1.0 / sum, e2 / sum, e3 / sum};
        QVERIFY(max_abs_diff(x.data(), ref, 4) < 1e-6);

        const std::vector<float> gate = random_vector(50, 3, 4.0f), up = random_vector(50, 4);
        std::vector<float> out(50);
        silu_mul(gate.data(), up.data(), out.data(), 50);
        for (size_t i = 0; i < 50; ++i) {
            const double g = gate[i];
            QVERIFY(std::abs(out[i] - g / (1.0 + std::exp(-g)) * up[i]) < 1e-5);
        }
    }

    void attention_data() {
        QTest::addColumn<int>("n_head");
        QTest::addColumn<int>("n_head_kv");
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("n_tokens");
        QTest::newRow("decode, GQA") << 4 << 2 << 9 << 1;
        QTest::newRow("prefill, GQA") << 4 << 2 << 0 << 7;
        QTest::newRow("batch after prefix, MQA") << 6 << 1 << 5 << 4;
        QTest::newRow("long, several key blocks") << 8 << 2 << 100 << 90;
    }

    void attention() {
        QFETCH(int, n_head);
        QFETCH(int, n_head_kv);
        QFETCH(int, first);
        QFETCH(int, n_tokens);
        const size_t dk = 16, dv = 12;             // value width may differ from key width
        const size_t n_pos = first + n_tokens + 3; // positions past the batch must be ignored
        const size_t k_stride = n_head_kv * dk + 2, v_stride = n_head_kv * dv + 1;
        const std::vector<float> k = random_vector(n_pos * k_stride, 21);
        const std::vector<float> v = random_vector(n_pos * v_stride, 22);
        const size_t q_stride = n_head * dk;
        const std::vector<float> q = random_vector(n_tokens * q_stride, 23);
        const float scale = 1.0f / std::sqrt(float(dk));

        const size_t out_stride = n_head * dv;
        std::vector<double> ref(n_tokens * out_stride);
        for (int t = 0; t < n_tokens; ++t)
            for (int h = 0; h < n_head; ++h) {
                const size_t kv = h / (n_head / n_head_kv);
                const size_t n_keys = first + t + 1;
                std::vector<double> p(n_keys);
                double max = -1e300, sum = 0.0;
                for (size_t j = 0; j < n_keys; ++j) {
                    double s = 0.0;
                    for (size_t d = 0; d < dk; ++d)
                        s += double(q[t * q_stride + h * dk + d]) * k[j * k_stride + kv * dk + d];
                    p[j] = s * scale;
                    max = std::max(max, p[j]);
                }
                for (double& pj : p) sum += (pj = std::exp(pj - max));
                for (size_t d = 0; d < dv; ++d) {
                    double acc = 0.0;
                    for (size_t j = 0; j < n_keys; ++j)
                        acc += p[j] / sum * v[j * v_stride + kv * dv + d];
                    ref[t * out_stride + h * dv + d] = acc;
                }
            }

        ThreadPool pool(3);
        std::vector<float> out(n_tokens * out_stride);
        const AttentionShape shape{size_t(n_head), size_t(n_head_kv), dk, dv, scale};
        const KvView view{k.data(), v.data(), k_stride, v_stride};
        hoard::backend::cpu::attention(pool, shape, q.data(), q_stride, n_tokens, first, view,
                                       out.data(), out_stride);
        QVERIFY2(max_abs_diff(out.data(), ref.data(), out.size()) < 1e-5,
                 qPrintable(QString::number(max_abs_diff(out.data(), ref.data(), out.size()))));

        // Causality: changing keys/values past a query's position changes nothing.
        std::vector<float> k2 = k, v2 = v;
        for (size_t j = first + n_tokens; j < n_pos; ++j) {
            for (size_t d = 0; d < k_stride; ++d) k2[j * k_stride + d] = 100.0f;
            for (size_t d = 0; d < v_stride; ++d) v2[j * v_stride + d] = 100.0f;
        }
        std::vector<float> out2(out.size());
        hoard::backend::cpu::attention(pool, shape, q.data(), q_stride, n_tokens, first,
                                       KvView{k2.data(), v2.data(), k_stride, v_stride},
                                       out2.data(), out_stride);
        QCOMPARE(out2, out);
    }
};

QTEST_APPLESS_MAIN(TestBackend)
#include "test_backend.moc"
