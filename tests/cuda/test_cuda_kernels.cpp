// Dequantization, matrix-vector and matrix-matrix kernels of every block
// format against the CPU reference (quant::dequantize_row and exact dot
// products in double precision), on random data of odd sizes.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "test_cuda.hpp"

#include "backend/cpu/gated_activation.hpp"
#include "backend/cuda/gemm.hpp"
#include "backend/cuda/matvec.hpp"
#include "backend/cuda/mmq.hpp"
#include "backend/cuda/row_ops.hpp"

#include <QtTest>

using namespace hoard;
using namespace hoard::test::cuda;

namespace {

QByteArray format_label(BlockFormat f) {
    const std::string_view n = quant::format_name(f);
    return QByteArray(n.data(), qsizetype(n.size()));
}

void add_format_rows() {
    QTest::addColumn<int>("format");
    for (BlockFormat f : all_formats()) QTest::newRow(format_label(f)) << int(f);
}

// Exact dot of row r with x, and the bound on the kernel's error for it.
struct Expected {
    double value = 0, tolerance = 0;
};

Expected matvec_expected(const HostMatrix& w, size_t r, const float* x, bool int8) {
    const size_t n = w.row_length;
    const std::vector<float> steps = int8 ? int8_steps(x, n) : std::vector<float>{};
    double dot = 0, magnitude = 0, rounding = 0, row_max = 0;
    for (size_t i = 0; i < n; ++i) row_max = std::max(row_max, std::fabs(double(w.value(r, i))));
    for (size_t i = 0; i < n; ++i) {
        const double wi = w.value(r, i);
        dot += wi * x[i];
        magnitude += (std::fabs(wi) + row_max) * std::fabs(x[i]);
        if (int8) rounding += std::fabs(wi) * steps[i / 32] / 2;
    }
    return {dot, rounding * 1.001 + 2e-5 * magnitude + 1e-6};
}

// x rows encoded on the GPU as the weight format's kernels take them.
DeviceBuffer encode_rows(const std::vector<float>& x, size_t rows, size_t n, bool int8) {
    DeviceBuffer src = to_device(x);
    if (!int8) return src;
    DeviceBuffer out = poisoned<uint8_t>(rows * int8_row_bytes(n));
    RowNormJob j;
    j.x = src.as<float>();
    j.n_rows = rows;
    j.n = n;
    j.norm = false;
    j.out_int8 = out.as<uint8_t>();
    normalize_rows(j, nullptr);
    check_cuda(cudaDeviceSynchronize(), "encoding");
    return out;
}

} // namespace

void TestCuda::dequantizeExact_data() {
    add_format_rows();
}

// Bit for bit what quant::dequantize_row gives.
void TestCuda::dequantizeExact() {
    QFETCH(int, format);
    std::mt19937 rng(7 + format);
    const HostMatrix m =
        random_matrix(BlockFormat(format), 7, odd_row_length(BlockFormat(format)), rng);
    const DeviceBuffer w = to_device(m.bytes);
    const size_t first = 2, rows = 5;
    DeviceBuffer out = poisoned<float>(rows * m.row_length);
    dequantize_rows(on_device(m, w), first, rows, out.as<float>(), nullptr);
    const std::vector<float> got = from_device<float>(out.data(), rows * m.row_length);
    QVERIFY(std::memcmp(got.data(), m.values.data() + first * m.row_length,
                        got.size() * sizeof(float)) == 0);
}

void TestCuda::matvecMatchesReference_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<size_t>("row_length");
    for (BlockFormat f : all_formats())
        QTest::newRow(format_label(f)) << int(f) << odd_row_length(f);
    // Rows longer than one staging chunk: the kernel walks them in pieces.
    QTest::newRow("f32 long rows") << int(BlockFormat::F32) << size_t(12001);
    QTest::newRow("q8_0 long rows") << int(BlockFormat::Q8_0) << size_t(32 * 1300);
    QTest::newRow("q6_k long rows") << int(BlockFormat::Q6_K) << size_t(256 * 200);
}

// One problem (store and add), then a stack of experts chosen by id with
// gate and up fused (SiluMul), each problem with its own activation.
void TestCuda::matvecMatchesReference() {
    QFETCH(int, format);
    QFETCH(size_t, row_length);
    const auto f = BlockFormat(format);
    const bool int8 = takes_int8_activations(f);
    const size_t n = row_length, rows = 37;
    std::mt19937 rng(11 + format);

    // Store and Add.
    const HostMatrix w = random_matrix(f, rows, n, rng);
    const DeviceBuffer wd = to_device(w.bytes);
    const std::vector<float> x = random_floats(n, rng);
    const DeviceBuffer xd = encode_rows(x, 1, n, int8);
    for (const bool add : {false, true}) {
        std::vector<float> base(rows, 0.0f);
        if (add) base = random_floats(rows, rng);
        DeviceBuffer out = to_device(base);
        MatvecProblems p;
        p.w = on_device(w, wd);
        p.x = xd.data();
        p.out = out.as<float>();
        p.output = add ? MatvecOutput::Add : MatvecOutput::Store;
        matvec(p, nullptr);
        const std::vector<float> got = from_device<float>(out.data(), rows);
        for (size_t r = 0; r < rows; ++r) {
            const Expected e = matvec_expected(w, r, x.data(), int8);
            const double err = std::fabs(got[r] - (e.value + base[r]));
            if (!(err <= e.tolerance + 1e-6 * std::fabs(base[r])))
                QFAIL(qPrintable(QString("%1 row %2: got %3, expected %4 (tolerance %5)")
                                     .arg(add ? "add" : "store")
                                     .arg(r)
                                     .arg(double(got[r]) - base[r])
                                     .arg(e.value)
                                     .arg(e.tolerance)));
        }
    }

    // Experts: three stacked gate and up matrices, problems pick 2 and 0.
    std::vector<HostMatrix> gate, up;
    std::vector<uint8_t> gate_bytes, up_bytes;
    for (int e = 0; e < 3; ++e) {
        gate.push_back(random_matrix(f, rows, n, rng));
        up.push_back(random_matrix(f, rows, n, rng));
        gate_bytes.insert(gate_bytes.end(), gate.back().bytes.begin(), gate.back().bytes.end());
        up_bytes.insert(up_bytes.end(), up.back().bytes.begin(), up.back().bytes.end());
    }
    const DeviceBuffer gd = to_device(gate_bytes), ud = to_device(up_bytes);
    const std::vector<int32_t> ids = {2, 0};
    const DeviceBuffer idd = to_device(ids);
    const std::vector<float> xs = random_floats(2 * n, rng);
    const DeviceBuffer xsd = encode_rows(xs, 2, n, int8);
    DeviceBuffer out = poisoned<float>(2 * rows);
    MatvecProblems p;
    p.w = on_device(gate[0], gd, 3);
    p.w2 = on_device(up[0], ud, 3);
    p.ids = idd.as<int32_t>();
    p.x = xsd.data();
    p.x_stride = int8 ? int8_row_bytes(n) : n * sizeof(float);
    p.out = out.as<float>();
    p.out_stride = rows;
    p.n_problems = 2;
    p.output = MatvecOutput::SiluMul;
    matvec(p, nullptr);
    const std::vector<float> got = from_device<float>(out.data(), 2 * rows);
    for (size_t q = 0; q < 2; ++q)
        for (size_t r = 0; r < rows; ++r) {
            const Expected g = matvec_expected(gate[ids[q]], r, xs.data() + q * n, int8);
            const Expected u = matvec_expected(up[ids[q]], r, xs.data() + q * n, int8);
            const double want = backend::cpu::silu(float(g.value)) * u.value;
            const double tol = 1.1 * g.tolerance * (std::fabs(u.value) + u.tolerance) +
                               (std::fabs(g.value) + g.tolerance) * u.tolerance + 1e-6;
            if (!(std::fabs(got[q * rows + r] - want) <= tol))
                QFAIL(qPrintable(QString("experts: problem %1 row %2: got %3, expected %4 (±%5)")
                                     .arg(q)
                                     .arg(r)
                                     .arg(got[q * rows + r])
                                     .arg(want)
                                     .arg(tol)));
        }
}

void TestCuda::gemmMatchesReference_data() {
    add_format_rows();
}

// Weights are decoded to float16, so each product carries at most one
// float16 rounding of each weight; activations are float16 already.
void TestCuda::gemmMatchesReference() {
    QFETCH(int, format);
    const auto f = BlockFormat(format);
    const size_t k = odd_row_length(f), k_pad = round_up(k, 8);
    const size_t m = 150, rows = 70; // two tiles each way, the second partial
    std::mt19937 rng(23 + format);
    const HostMatrix w = random_matrix(f, rows, k, rng);
    const DeviceBuffer wd = to_device(w.bytes);

    std::vector<float> a(m * k_pad, 0.0f);
    std::vector<uint16_t> a16(m * k_pad, 0);
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < k; ++j) {
            a[i * k_pad + j] = half_round(random_floats(1, rng)[0]);
            a16[i * k_pad + j] = quant::fp32_to_fp16(a[i * k_pad + j]);
        }
    const DeviceBuffer ad = to_device(a16);
    auto expected = [&](const HostMatrix& mat, size_t r, size_t i) {
        double dot = 0, magnitude = 0;
        for (size_t j = 0; j < k; ++j) {
            dot += double(mat.value(r, j)) * a[i * k_pad + j];
            magnitude += std::fabs(double(mat.value(r, j)) * a[i * k_pad + j]);
        }
        return Expected{dot, magnitude * (1.05 / 2048 + 1e-6) + 1e-6};
    };

    for (const bool add : {false, true}) {
        std::vector<float> base(m * rows, 0.0f);
        if (add) base = random_floats(m * rows, rng);
        DeviceBuffer out = to_device(base);
        GemmProblem p;
        p.w = on_device(w, wd);
        p.a = ad.as<__half>();
        p.a_stride = k_pad;
        p.m = m;
        p.out = out.data();
        p.out_stride = rows;
        p.output = add ? GemmOutput::Add : GemmOutput::Store;
        gemm(p, nullptr);
        const std::vector<float> got = from_device<float>(out.data(), m * rows);
        for (size_t i = 0; i < m; ++i)
            for (size_t r = 0; r < rows; ++r) {
                const Expected e = expected(w, r, i);
                const double err = std::fabs(got[i * rows + r] - base[i * rows + r] - e.value);
                if (!(err <= e.tolerance + 1e-6 * std::fabs(base[i * rows + r])))
                    QFAIL(qPrintable(QString("%1: token %2 row %3: got %4, expected %5 (±%6)")
                                         .arg(add ? "add" : "store")
                                         .arg(i)
                                         .arg(r)
                                         .arg(got[i * rows + r] - base[i * rows + r])
                                         .arg(e.value)
                                         .arg(e.tolerance)));
            }
    }

    // Grouped: 3 experts (gate and up fused), m tokens × 2 slots routed at random.
    std::vector<HostMatrix> gate, up;
    std::vector<uint8_t> gate_bytes, up_bytes;
    for (int e = 0; e < 3; ++e) {
        gate.push_back(random_matrix(f, rows, k, rng));
        up.push_back(random_matrix(f, rows, k, rng));
        gate_bytes.insert(gate_bytes.end(), gate.back().bytes.begin(), gate.back().bytes.end());
        up_bytes.insert(up_bytes.end(), up.back().bytes.begin(), up.back().bytes.end());
    }
    std::vector<std::vector<uint32_t>> by_expert(3);
    for (uint32_t pair = 0; pair < 2 * m; ++pair) by_expert[rng() % 3].push_back(pair);
    std::vector<uint32_t> offsets = {0}, list;
    std::vector<int> expert_of(2 * m);
    for (int e = 0; e < 3; ++e) {
        for (uint32_t pair : by_expert[e]) expert_of[pair] = e;
        list.insert(list.end(), by_expert[e].begin(), by_expert[e].end());
        offsets.push_back(uint32_t(list.size()));
    }
    const DeviceBuffer gd = to_device(gate_bytes), ud = to_device(up_bytes);
    const DeviceBuffer od = to_device(offsets), ld = to_device(list);
    const size_t out_stride = round_up(rows, 8);
    DeviceBuffer out = poisoned<uint16_t>(2 * m * out_stride);
    GemmProblem p;
    p.w = on_device(gate[0], gd, 3);
    p.w2 = on_device(up[0], ud, 3);
    p.a = ad.as<__half>();
    p.a_stride = k_pad;
    p.m = 2 * m; // bounds any expert's share of the random routing
    p.offsets = od.as<uint32_t>();
    p.list = ld.as<uint32_t>();
    p.a_row_divisor = 2;
    p.out = out.data();
    p.out_stride = out_stride;
    p.output = GemmOutput::SiluMulHalf;
    gemm(p, nullptr);
    const std::vector<uint16_t> got = from_device<uint16_t>(out.data(), 2 * m * out_stride);
    for (size_t pair = 0; pair < 2 * m; ++pair)
        for (size_t r = 0; r < rows; ++r) {
            const int e = expert_of[pair];
            const Expected g = expected(gate[e], r, pair / 2), u = expected(up[e], r, pair / 2);
            const double want = backend::cpu::silu(float(g.value)) * u.value;
            const double tol = 1.1 * g.tolerance * (std::fabs(u.value) + u.tolerance) +
                               (std::fabs(g.value) + g.tolerance) * u.tolerance +
                               std::fabs(want) / 1024 + 1e-6;
            const float have = quant::fp16_to_fp32(got[pair * out_stride + r]);
            if (!(std::fabs(have - want) <= tol))
                QFAIL(qPrintable(QString("experts: pair %1 row %2: got %3, expected %4 (±%5)")
                                     .arg(pair)
                                     .arg(r)
                                     .arg(have)
                                     .arg(want)
                                     .arg(tol)));
        }
}

void TestCuda::mmqMatchesReference_data() {
    QTest::addColumn<int>("format");
    for (BlockFormat f : all_formats())
        if (mmq_supports(f)) QTest::newRow(format_label(f)) << int(f);
}

// The batched int8 product computes what the matrix-vector kernel computes
// for each token (the same integer sums), within the int8 bound of the exact
// product; grouped with gate and up fused, its int8 rows hold silu(g) · u.
void TestCuda::mmqMatchesReference() {
    QFETCH(int, format);
    const auto f = BlockFormat(format);
    const size_t k = odd_row_length(f), m = 45, rows = 70; // partial tiles both ways
    std::mt19937 rng(31 + format);
    const HostMatrix w = random_matrix(f, rows, k, rng);
    const DeviceBuffer wd = to_device(w.bytes);
    const std::vector<float> x = random_floats(m * k, rng);
    const DeviceBuffer xd = encode_rows(x, m, k, true);

    // Per token through the matrix-vector kernel (one matrix, m activations).
    DeviceBuffer per_token = poisoned<float>(m * rows);
    MatvecProblems mv;
    mv.w = on_device(w, wd);
    mv.w.matrix_stride = 0;
    mv.x = xd.data();
    mv.x_stride = int8_row_bytes(k);
    mv.out = per_token.as<float>();
    mv.out_stride = rows;
    mv.n_problems = m;
    matvec(mv, nullptr);
    const std::vector<float> ref = from_device<float>(per_token.data(), m * rows);

    for (const bool add : {false, true}) {
        std::vector<float> base(m * rows, 0.0f);
        if (add) base = random_floats(m * rows, rng);
        DeviceBuffer out = to_device(base);
        MmqProblem p;
        p.w = on_device(w, wd);
        p.a = xd.as<uint8_t>();
        p.a_stride = int8_row_bytes(k);
        p.m = m;
        p.out = out.data();
        p.out_stride = rows;
        p.output = add ? MmqOutput::Add : MmqOutput::Store;
        mmq(p, nullptr);
        const std::vector<float> got = from_device<float>(out.data(), m * rows);
        for (size_t i = 0; i < m; ++i)
            for (size_t r = 0; r < rows; ++r) {
                const Expected e = matvec_expected(w, r, x.data() + i * k, true);
                const double v = double(got[i * rows + r]) - base[i * rows + r];
                const double same = std::fabs(v - ref[i * rows + r]);
                if (!(std::fabs(v - e.value) <=
                      e.tolerance + 1e-6 * std::fabs(base[i * rows + r])) ||
                    !(same <= 1e-5 * (std::fabs(ref[i * rows + r]) + e.tolerance) + 1e-6 +
                                  1e-6 * std::fabs(base[i * rows + r])))
                    QFAIL(qPrintable(QString("%1: token %2 row %3: got %4, per token %5, exact %6 "
                                             "(±%7)")
                                         .arg(add ? "add" : "store")
                                         .arg(i)
                                         .arg(r)
                                         .arg(v)
                                         .arg(ref[i * rows + r])
                                         .arg(e.value)
                                         .arg(e.tolerance)));
            }
    }

    // Grouped: 3 experts of 64 rows, gate and up fused into int8 rows; group g
    // takes matrix 2 - g; m tokens × 2 slots routed at random.
    const size_t er = 64;
    std::vector<HostMatrix> gate, up;
    std::vector<uint8_t> gate_bytes, up_bytes;
    for (int e = 0; e < 3; ++e) {
        gate.push_back(random_matrix(f, er, k, rng));
        up.push_back(random_matrix(f, er, k, rng));
        gate_bytes.insert(gate_bytes.end(), gate.back().bytes.begin(), gate.back().bytes.end());
        up_bytes.insert(up_bytes.end(), up.back().bytes.begin(), up.back().bytes.end());
    }
    std::vector<std::vector<uint32_t>> by_group(3);
    for (uint32_t pair = 0; pair < 2 * m; ++pair) by_group[rng() % 3].push_back(pair);
    std::vector<uint32_t> offsets = {0}, list;
    std::vector<int> matrix_of(2 * m);
    const std::vector<int32_t> ids = {2, 1, 0};
    for (int g = 0; g < 3; ++g) {
        for (uint32_t pair : by_group[g]) matrix_of[pair] = ids[g];
        list.insert(list.end(), by_group[g].begin(), by_group[g].end());
        offsets.push_back(uint32_t(list.size()));
    }
    const DeviceBuffer gd = to_device(gate_bytes), ud = to_device(up_bytes);
    const DeviceBuffer od = to_device(offsets), ld = to_device(list), idd = to_device(ids);
    const size_t h_stride = int8_row_bytes(er);
    DeviceBuffer out = poisoned<uint8_t>(2 * m * h_stride);
    MmqProblem p;
    p.w = on_device(gate[0], gd, 3);
    p.w2 = on_device(up[0], ud, 3);
    p.a = xd.as<uint8_t>();
    p.a_stride = int8_row_bytes(k);
    p.m = 2 * m;
    p.offsets = od.as<uint32_t>();
    p.list = ld.as<uint32_t>();
    p.group_ids = idd.as<int32_t>();
    p.a_row_divisor = 2;
    p.out = out.data();
    p.out_stride = h_stride;
    p.output = MmqOutput::SiluMulInt8;
    mmq(p, nullptr);
    const std::vector<uint8_t> got = from_device<uint8_t>(out.data(), 2 * m * h_stride);
    for (size_t pair = 0; pair < 2 * m; ++pair) {
        const uint8_t* row = got.data() + pair * h_stride;
        const float* steps = reinterpret_cast<const float*>(row + int8_scales_offset(er));
        const int e = matrix_of[pair];
        for (size_t r = 0; r < er; ++r) {
            const float* xt = x.data() + (pair / 2) * k;
            const Expected g = matvec_expected(gate[e], r, xt, true);
            const Expected u = matvec_expected(up[e], r, xt, true);
            const double want = backend::cpu::silu(float(g.value)) * u.value;
            const double tol = 1.1 * g.tolerance * (std::fabs(u.value) + u.tolerance) +
                               (std::fabs(g.value) + g.tolerance) * u.tolerance +
                               0.501 * steps[r / 32] + 1e-6;
            const double have = double(int8_t(row[r])) * steps[r / 32];
            if (!(std::fabs(have - want) <= tol))
                QFAIL(qPrintable(QString("experts: pair %1 row %2: got %3, expected %4 (±%5)")
                                     .arg(pair)
                                     .arg(r)
                                     .arg(have)
                                     .arg(want)
                                     .arg(tol)));
        }
    }
}

#endif // HOARD_HAVE_CUDA
