// Normalization and activation encodings, RoPE with the cache writes,
// attention and the router against the CPU engine's versions.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "test_cuda.hpp"

#include "backend/cpu/attention.hpp"
#include "backend/cpu/rms_norm.hpp"
#include "backend/cpu/rope.hpp"
#include "backend/cpu/thread_pool.hpp"
#include "backend/cuda/attention.hpp"
#include "backend/cuda/rope_kv.hpp"
#include "backend/cuda/routing.hpp"
#include "backend/cuda/row_ops.hpp"
#include "model/model_config.hpp"
#include "model/moe_block.hpp"

#include <QtTest>

using namespace hoard;
using namespace hoard::test::cuda;

namespace {

double rel(const float* a, const float* b, size_t n) {
    double d = 0, r = 0;
    for (size_t i = 0; i < n; ++i) {
        d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        r += double(b[i]) * b[i];
    }
    return std::sqrt(d / r);
}

} // namespace

// Expert mixing, RMSNorm and the three encodings of the result.
void TestCuda::normalizeAndEncode() {
    std::mt19937 rng(3);
    const size_t rows = 5, n = 32 * 9, k = 2;
    std::vector<float> x = random_floats(rows * n, rng, 3.0f);
    const std::vector<float> weight = random_floats(n, rng);
    const std::vector<float> mix = random_floats(rows * k * n, rng);
    const std::vector<float> mix_w = random_floats(rows * k, rng);
    DeviceBuffer xd = to_device(x);
    const DeviceBuffer wd = to_device(weight), md = to_device(mix), mwd = to_device(mix_w);
    DeviceBuffer f32 = poisoned<float>(rows * n), i8 = poisoned<uint8_t>(rows * int8_row_bytes(n));
    const size_t stride = n + 8;
    DeviceBuffer f16 = poisoned<uint16_t>(rows * stride);
    RowNormJob j;
    j.x = xd.as<float>();
    j.n_rows = rows;
    j.n = n;
    j.mix = md.as<float>();
    j.mix_weights = mwd.as<float>();
    j.mix_k = k;
    j.weight = wd.as<float>();
    j.eps = 1e-5f;
    j.out_f32 = f32.as<float>();
    j.out_int8 = i8.as<uint8_t>();
    j.out_f16 = f16.as<__half>();
    j.f16_stride = stride;
    normalize_rows(j, nullptr);

    const std::vector<float> got_x = from_device<float>(xd.data(), rows * n);
    const std::vector<float> got = from_device<float>(f32.data(), rows * n);
    const std::vector<uint8_t> got_i8 = from_device<uint8_t>(i8.data(), rows * int8_row_bytes(n));
    const std::vector<uint16_t> got_16 = from_device<uint16_t>(f16.data(), rows * stride);
    for (size_t t = 0; t < rows; ++t) {
        for (size_t i = 0; i < n; ++i)
            for (size_t s = 0; s < k; ++s)
                x[t * n + i] += mix_w[t * k + s] * mix[(t * k + s) * n + i];
        QVERIFY(rel(got_x.data() + t * n, x.data() + t * n, n) < 1e-6);
        std::vector<float> want(n);
        backend::cpu::rms_norm(x.data() + t * n, weight.data(), want.data(), n, 1e-5f);
        QVERIFY2(rel(got.data() + t * n, want.data(), n) < 1e-5, "rms_norm");
        const auto* q = reinterpret_cast<const int8_t*>(got_i8.data() + t * int8_row_bytes(n));
        const auto* d = reinterpret_cast<const float*>(got_i8.data() + t * int8_row_bytes(n) +
                                                       int8_scales_offset(n));
        const std::vector<float> steps = int8_steps(got.data() + t * n, n);
        for (size_t i = 0; i < n; ++i) {
            QVERIFY(std::fabs(d[i / 32] - steps[i / 32]) <= 1e-6f * steps[i / 32]);
            QVERIFY(std::fabs(q[i] * d[i / 32] - got[t * n + i]) <= 0.5f * d[i / 32] * 1.001f);
            QCOMPARE(got_16[t * stride + i], quant::fp32_to_fp16(got[t * n + i]));
        }
    }
}

void TestCuda::ropeAndCache_data() {
    QTest::addColumn<bool>("neox");
    QTest::addColumn<bool>("qk_norm");
    QTest::newRow("interleaved (llama)") << false << false;
    QTest::newRow("neox with q/k norms (qwen3moe)") << true << true;
}

// Queries rotated in place, keys rotated into the cache rows of their
// positions, values copied there.
void TestCuda::ropeAndCache() {
    QFETCH(bool, neox);
    QFETCH(bool, qk_norm);
    std::mt19937 rng(5);
    const size_t n_tok = 3, n_head = 4, n_kv = 2, hd = 64, first = 9, capacity = 16;
    const size_t qw = n_head * hd, kw = n_kv * hd;
    const float base = 1e6f;
    std::vector<float> q = random_floats(n_tok * qw, rng), k = random_floats(n_tok * kw, rng),
                       v = random_floats(n_tok * kw, rng);
    const std::vector<float> qn = random_floats(hd, rng), kn = random_floats(hd, rng);
    DeviceBuffer qd = to_device(q);
    const DeviceBuffer kd = to_device(k), vd = to_device(v), qnd = to_device(qn),
                       knd = to_device(kn);
    const DeviceBuffer meta = to_device(std::vector<int32_t>{int32_t(first)});
    DeviceBuffer angles = poisoned<float2>(n_tok * hd / 2);
    DeviceBuffer kc = poisoned<float>(capacity * kw), vc = poisoned<float>(capacity * kw);
    rope_angles(meta.as<int32_t>(), n_tok, hd, base, angles.as<float2>(), nullptr);
    QkvRopeJob j;
    j.q = qd.as<float>();
    j.k = kd.as<float>();
    j.v = vd.as<float>();
    j.n_tokens = n_tok;
    j.n_head = n_head;
    j.n_head_kv = n_kv;
    j.head_dim = j.head_dim_v = hd;
    j.q_norm = qk_norm ? qnd.as<float>() : nullptr;
    j.k_norm = qk_norm ? knd.as<float>() : nullptr;
    j.eps = 1e-6f;
    j.angles = angles.as<float2>();
    j.n_rot = hd;
    j.kind = neox ? RopeKind::NeoX : RopeKind::Interleaved;
    j.k_cache = kc.as<float>();
    j.v_cache = vc.as<float>();
    j.first_position = meta.as<int32_t>();
    qkv_rope_store(j, nullptr);

    const std::vector<float> got_q = from_device<float>(qd.data(), n_tok * qw);
    const std::vector<float> got_k = from_device<float>(kc.data(), capacity * kw);
    const std::vector<float> got_v = from_device<float>(vc.data(), capacity * kw);
    const auto style = neox ? backend::cpu::RopeStyle::NeoX : backend::cpu::RopeStyle::Interleaved;
    for (size_t t = 0; t < n_tok; ++t) {
        backend::cpu::RopeAngles a;
        a.compute(int64_t(first + t), hd, base);
        float* qt = q.data() + t * qw;
        float* kt = k.data() + t * kw;
        if (qk_norm) {
            backend::cpu::rms_norm_rows(qt, n_head, hd, qn.data(), hd, 1e-6f);
            backend::cpu::rms_norm_rows(kt, n_kv, hd, kn.data(), hd, 1e-6f);
        }
        backend::cpu::apply_rope(qt, n_head, hd, a, style);
        backend::cpu::apply_rope(kt, n_kv, hd, a, style);
        QVERIFY2(rel(got_q.data() + t * qw, qt, qw) < 1e-5, "queries");
        QVERIFY2(rel(got_k.data() + (first + t) * kw, kt, kw) < 1e-5, "keys in the cache");
        QVERIFY(std::memcmp(got_v.data() + (first + t) * kw, v.data() + t * kw, kw * 4) == 0);
    }
}

void TestCuda::attentionMatchesCpu_data() {
    QTest::addColumn<size_t>("n_tokens");
    QTest::addColumn<size_t>("first");
    QTest::addColumn<size_t>("head_dim");
    QTest::newRow("decode at 0") << size_t(1) << size_t(0) << size_t(64);
    QTest::newRow("decode at 300") << size_t(1) << size_t(300) << size_t(128);
    QTest::newRow("prefill 37 after 5") << size_t(37) << size_t(5) << size_t(128);
    QTest::newRow("head 96") << size_t(9) << size_t(20) << size_t(96);
    QTest::newRow("prefill 300 after 40, head 64") << size_t(300) << size_t(40) << size_t(64);
    QTest::newRow("prefill 70, head 256") << size_t(70) << size_t(0) << size_t(256);
}

void TestCuda::attentionMatchesCpu() {
    QFETCH(size_t, n_tokens);
    QFETCH(size_t, first);
    QFETCH(size_t, head_dim);
    std::mt19937 rng(9);
    const size_t n_head = 8, n_kv = 2, hd = head_dim, positions = first + n_tokens;
    const std::vector<float> q = random_floats(n_tokens * n_head * hd, rng);
    const std::vector<float> kc = random_floats(positions * n_kv * hd, rng);
    const std::vector<float> vc = random_floats(positions * n_kv * hd, rng);
    const DeviceBuffer qd = to_device(q), kd = to_device(kc), vd = to_device(vc);
    const DeviceBuffer meta = to_device(std::vector<int32_t>{int32_t(first)});
    DeviceBuffer out = poisoned<float>(n_tokens * n_head * hd);
    AttentionJob j;
    j.q = qd.as<float>();
    j.out = out.as<float>();
    j.k_cache = kd.as<float>();
    j.v_cache = vd.as<float>();
    j.n_tokens = n_tokens;
    j.n_head = n_head;
    j.n_head_kv = n_kv;
    j.head_dim = j.head_dim_v = hd;
    j.scale = 1.0f / std::sqrt(float(hd));
    j.first_position = meta.as<int32_t>();
    attention(j, nullptr);
    const std::vector<float> got = from_device<float>(out.data(), n_tokens * n_head * hd);

    backend::cpu::ThreadPool pool(1);
    std::vector<float> want(got.size());
    const backend::cpu::AttentionShape shape{n_head, n_kv, hd, hd, j.scale};
    const backend::cpu::KvView view{kc.data(), vc.data(), n_kv * hd, n_kv * hd};
    backend::cpu::attention(pool, shape, q.data(), n_head * hd, n_tokens, first, view, want.data(),
                            n_head * hd);
    QVERIFY2(rel(got.data(), want.data(), got.size()) < 1e-5, "attention");
}

void TestCuda::routingMatchesCpu_data() {
    QTest::addColumn<size_t>("n_expert");
    QTest::addColumn<size_t>("k");
    QTest::newRow("8 experts, top 2") << size_t(8) << size_t(2);
    QTest::newRow("16 experts, top 4") << size_t(16) << size_t(4);
    QTest::newRow("128 experts, top 8") << size_t(128) << size_t(8);
}

void TestCuda::routingMatchesCpu() {
    QFETCH(size_t, n_expert);
    QFETCH(size_t, k);
    std::mt19937 rng(13);
    const size_t n_tok = 67;
    std::vector<float> logits = random_floats(n_tok * n_expert, rng, 2.0f);
    logits[5] = logits[6]; // a tie: the lower id wins on both
    const DeviceBuffer ld = to_device(logits);
    DeviceBuffer sel = poisoned<int32_t>(n_tok * k), wts = poisoned<float>(n_tok * k);
    route_tokens(ld.as<float>(), n_tok, n_expert, k, true, sel.as<int32_t>(), wts.as<float>(),
                 nullptr);
    DeviceBuffer counts = poisoned<uint32_t>(n_expert), offsets = poisoned<uint32_t>(n_expert + 1);
    DeviceBuffer list = poisoned<uint32_t>(n_tok * k);
    group_pairs(sel.as<int32_t>(), n_tok * k, n_expert, counts.as<uint32_t>(),
                offsets.as<uint32_t>(), list.as<uint32_t>(), nullptr);
    const std::vector<int32_t> got_sel = from_device<int32_t>(sel.data(), n_tok * k);
    const std::vector<float> got_w = from_device<float>(wts.data(), n_tok * k);
    const std::vector<uint32_t> got_off = from_device<uint32_t>(offsets.data(), n_expert + 1);
    const std::vector<uint32_t> got_list = from_device<uint32_t>(list.data(), n_tok * k);

    model::ModelConfig c;
    c.n_expert = n_expert;
    c.n_expert_used = k;
    for (size_t t = 0; t < n_tok; ++t) {
        std::vector<float> row(logits.begin() + t * n_expert, logits.begin() + (t + 1) * n_expert);
        std::vector<int32_t> experts(k);
        std::vector<float> weights(k);
        model::route_token(c, row, experts, weights);
        for (size_t s = 0; s < k; ++s) {
            QCOMPARE(got_sel[t * k + s], experts[s]);
            QVERIFY(std::fabs(got_w[t * k + s] - weights[s]) <= 1e-5f);
        }
    }
    // The grouping is a partition of the pairs by expert.
    QCOMPARE(got_off[0], 0u);
    QCOMPARE(got_off[n_expert], uint32_t(n_tok * k));
    std::vector<int> seen(n_tok * k, 0);
    for (size_t e = 0; e < n_expert; ++e)
        for (uint32_t i = got_off[e]; i < got_off[e + 1]; ++i) {
            QVERIFY(got_list[i] < n_tok * k);
            QCOMPARE(size_t(got_sel[got_list[i]]), e);
            ++seen[got_list[i]];
        }
    for (int s : seen) QCOMPARE(s, 1);
}

#endif // HOARD_HAVE_CUDA
