// The forward pass against the conformance logits of the reference
// implementation, greedy decoding through the KV cache, batched versus
// token-by-token evaluation, the expert seams, the summary, and the errors a
// user can run into.
#include "conformance_reference.hpp"
#include "model_rewrite.hpp"

#include "backend/cpu/thread_pool.hpp"
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "model/model_summary.hpp"
#include "model/moe_block.hpp"
#include "quant/kernels.hpp"

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>

using namespace hoard;
using namespace hoard::model;
using backend::cpu::ThreadPool;

namespace {

using namespace hoard::test;

// Delegates to another source, counting the calls; can swap two experts.
class CountingExpertSource final : public ExpertSource {
  public:
    CountingExpertSource(const Model& model, int swap_a = -1, int swap_b = -1)
        : model_(model), swap_a_(swap_a), swap_b_(swap_b) {}
    ExpertMatrices expert(size_t layer, size_t expert) override {
        ++calls;
        if (int(expert) == swap_a_)
            expert = size_t(swap_b_);
        else if (int(expert) == swap_b_)
            expert = size_t(swap_a_);
        return model_.layer(layer).experts.at(expert);
    }
    size_t calls = 0;

  private:
    const Model& model_;
    int swap_a_, swap_b_;
};

class RecordingObserver final : public RoutingObserver {
  public:
    void on_routing(const RoutingDecision& d) override {
        decisions.push_back({d.layer, d.position,
                             std::vector<int32_t>(d.experts.begin(), d.experts.end()),
                             std::vector<float>(d.weights.begin(), d.weights.end())});
    }
    struct Entry {
        size_t layer, position;
        std::vector<int32_t> experts;
        std::vector<float> weights;
    };
    std::vector<Entry> decisions;
};

} // namespace

class TestModel : public QObject {
    Q_OBJECT

    ThreadPool pool_{2};

    std::vector<float> eval_all(const Model& model, const std::vector<int32_t>& tokens) {
        KvCache cache = model.make_cache(tokens.size());
        std::vector<float> logits;
        model.eval(cache, tokens, pool_, LogitsMode::All, logits);
        return logits;
    }

  private slots:
    void initTestCase() {
        qInfo("kernels: %s", std::string(quant::isa_name(quant::active_isa())).c_str());
    }

    void conformance_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<bool>("exact"); // F16: the strict tolerances
        QTest::addColumn<int>("isa");    // every kernel path this CPU can run
        for (quant::Isa isa : {quant::Isa::Avx512, quant::Isa::Avx2, quant::Isa::Scalar}) {
            if (!quant::isa_supported(isa)) continue;
            const QByteArray name(quant::isa_name(isa).data(),
                                  qsizetype(quant::isa_name(isa).size()));
            QTest::newRow(name + " mixtral f16 p1") << "tiny-mixtral-f16"
                                                    << "p1" << true << int(isa);
            QTest::newRow(name + " mixtral f16 p2") << "tiny-mixtral-f16"
                                                    << "p2" << true << int(isa);
            QTest::newRow(name + " mixtral q4_k_m p1") << "tiny-mixtral-q4_k_m"
                                                       << "p1" << false << int(isa);
            QTest::newRow(name + " qwen3moe q8_0 p1") << "tiny-qwen3moe-q8_0"
                                                      << "p1" << false << int(isa);
        }
    }

    // All positions of prompt + greedy tokens in one batch against the reference logits.
    void conformance() {
        QFETCH(QString, model);
        QFETCH(QString, prompt);
        QFETCH(bool, exact);
        QFETCH(int, isa);
        const quant::Isa previous = quant::active_isa();
        quant::set_active_isa(quant::Isa(isa));
        struct Restore {
            quant::Isa isa;
            ~Restore() { quant::set_active_isa(isa); }
        } restore{previous};
        const Reference ref = read_reference(model.toStdString(), prompt.toStdString());
        const auto m = Model::load(open_model(model.toStdString()));
        QCOMPARE(m->config().n_vocab, ref.n_vocab);

        std::vector<int32_t> tokens = ref.prompt;
        tokens.insert(tokens.end(), ref.greedy.begin(), ref.greedy.end());
        const std::vector<float> logits = eval_all(*m, tokens);
        QCOMPARE(logits.size(), ref.logits.size());

        const size_t nv = ref.n_vocab;
        std::vector<double> rels;
        size_t decisive = 0, agree = 0;
        QStringList disagreements;
        for (size_t p = 0; p < tokens.size(); ++p) {
            const float* ours = logits.data() + p * nv;
            const float* theirs = ref.logits.data() + p * nv;
            rels.push_back(rel_error(ours, theirs, nv));
            if (margin(theirs, nv) >= 0.1) {
                ++decisive;
                if (argmax(ours, nv) == argmax(theirs, nv))
                    ++agree;
                else
                    disagreements << QString::number(p);
            }
        }
        std::vector<double> sorted = rels;
        std::sort(sorted.begin(), sorted.end());
        const double max_rel = sorted.back();
        const double median_rel =
            sorted.size() % 2 ? sorted[sorted.size() / 2]
                              : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
        const double agreement = decisive ? double(agree) / double(decisive) : 1.0;
        qInfo("%s %s %s: %zu positions, rel max %.5f median %.5f, argmax agreement %zu/%zu "
              "(%.1f%%)%s%s",
              std::string(quant::isa_name(quant::Isa(isa))).c_str(), qPrintable(model),
              qPrintable(prompt), tokens.size(), max_rel, median_rel, agree, decisive,
              100.0 * agreement, disagreements.isEmpty() ? "" : ", differing at ",
              qPrintable(disagreements.join(',')));
        QVERIFY(decisive > tokens.size() / 2); // the check has something to check
        if (exact) {
            QVERIFY2(max_rel <= 0.01, "F16 model: rel must be <= 0.01 at every position");
            QCOMPARE(agree, decisive);
        } else {
            QVERIFY2(median_rel <= 0.05, "quantized model: median rel must be <= 0.05");
            QVERIFY2(agreement >= 0.9, "quantized model: argmax agreement must be >= 90%");
        }
    }

    void greedyDecoding_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<bool>("required");
        QTest::newRow("mixtral f16 p1") << "tiny-mixtral-f16"
                                        << "p1" << true;
        QTest::newRow("mixtral f16 p2") << "tiny-mixtral-f16"
                                        << "p2" << true;
        // Its reference decoding takes the runner-up of a 0.03 near-tie at
        // position 41, where the reference's own one-pass logits do not.
        QTest::newRow("mixtral q4_k_m p1") << "tiny-mixtral-q4_k_m"
                                           << "p1" << false;
        QTest::newRow("qwen3moe q8_0 p1") << "tiny-qwen3moe-q8_0"
                                          << "p1" << true;
    }

    // Prefill the prompt, then one token at a time through the KV cache.
    void greedyDecoding() {
        QFETCH(QString, model);
        QFETCH(QString, prompt);
        QFETCH(bool, required);
        const Reference ref = read_reference(model.toStdString(), prompt.toStdString());
        const auto m = Model::load(open_model(model.toStdString()));
        KvCache cache = m->make_cache(ref.prompt.size() + ref.greedy.size());
        std::vector<float> logits;
        m->eval(cache, ref.prompt, pool_, LogitsMode::Last, logits);
        QCOMPARE(logits.size(), ref.n_vocab);

        std::vector<int32_t> generated;
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < ref.greedy.size(); ++i) {
            const int32_t next = int32_t(argmax(logits.data(), logits.size()));
            generated.push_back(next);
            const int32_t one[] = {next};
            m->eval(cache, one, pool_, LogitsMode::Last, logits);
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(cache.size(), ref.prompt.size() + ref.greedy.size());
        size_t matching = 0;
        while (matching < generated.size() && generated[matching] == ref.greedy[matching])
            ++matching;
        qInfo("%s %s: greedy tokens match the reference for %zu of %zu; decode %.1f tokens/s "
              "(%zu threads)",
              qPrintable(model), qPrintable(prompt), matching, generated.size(),
              double(ref.greedy.size()) / seconds, pool_.size());
        check_greedy(generated, ref, required);
    }

    void batchedEqualsTokenByToken_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("mixtral f16") << "tiny-mixtral-f16";
        QTest::newRow("mixtral q4_k_m") << "tiny-mixtral-q4_k_m";
        QTest::newRow("qwen3moe q8_0") << "tiny-qwen3moe-q8_0";
    }

    void batchedEqualsTokenByToken() {
        QFETCH(QString, model);
        const Reference ref = read_reference(model.toStdString(), "p1");
        const auto m = Model::load(open_model(model.toStdString()));
        const size_t nv = m->config().n_vocab;
        const std::vector<int32_t>& tokens = ref.prompt;
        const std::vector<float> batched = eval_all(*m, tokens);

        // One token at a time.
        KvCache cache = m->make_cache(tokens.size() + 4);
        std::vector<float> logits;
        double worst = 0.0;
        for (size_t p = 0; p < tokens.size(); ++p) {
            m->eval(cache, std::span(tokens).subspan(p, 1), pool_, LogitsMode::Last, logits);
            worst = std::max(worst, rel_error(logits.data(), batched.data() + p * nv, nv));
        }
        // In two uneven batches, then rewound and redone from the middle.
        cache.clear();
        const size_t split = tokens.size() / 3;
        m->eval(cache, std::span(tokens).first(split), pool_, LogitsMode::All, logits);
        for (size_t p = 0; p < split; ++p)
            worst = std::max(worst, rel_error(logits.data() + p * nv, batched.data() + p * nv, nv));
        m->eval(cache, std::span(tokens).subspan(split), pool_, LogitsMode::All, logits);
        for (size_t p = split; p < tokens.size(); ++p)
            worst = std::max(
                worst, rel_error(logits.data() + (p - split) * nv, batched.data() + p * nv, nv));
        cache.truncate(split + 2);
        m->eval(cache, std::span(tokens).subspan(split + 2), pool_, LogitsMode::Last, logits);
        worst = std::max(worst,
                         rel_error(logits.data(), batched.data() + (tokens.size() - 1) * nv, nv));
        qInfo("%s: batched vs token-by-token, worst rel %.2e", qPrintable(model), worst);
        QVERIFY(worst < 1e-4);
    }

    void expertSeams() {
        const auto m = Model::load(open_model("tiny-mixtral-f16"));
        const Reference ref = read_reference("tiny-mixtral-f16", "p1");
        const std::vector<int32_t> tokens(ref.prompt.begin(), ref.prompt.begin() + 12);
        const std::vector<float> plain = eval_all(*m, tokens);
        const ModelConfig& c = m->config();

        RecordingObserver observer;
        auto counting = std::make_shared<CountingExpertSource>(*m);
        m->set_routing_observer(&observer);
        m->set_expert_source(counting);
        const std::vector<float> seen = eval_all(*m, tokens);
        QCOMPARE(seen, plain);
        QCOMPARE(observer.decisions.size(), c.n_layer * tokens.size());
        QVERIFY(counting->calls > 0 && counting->calls <= c.n_layer * c.n_expert);
        for (size_t i = 0; i < observer.decisions.size(); ++i) {
            const auto& d = observer.decisions[i];
            QCOMPARE(d.layer, i / tokens.size());
            QCOMPARE(d.position, i % tokens.size());
            QCOMPARE(d.experts.size(), c.n_expert_used);
            float sum = 0.0f;
            for (size_t s = 0; s < d.experts.size(); ++s) {
                QVERIFY(d.experts[s] >= 0 && size_t(d.experts[s]) < c.n_expert);
                if (s > 0) QVERIFY(d.weights[s] <= d.weights[s - 1]);
                sum += d.weights[s];
            }
            QVERIFY(std::abs(sum - 1.0f) < 1e-5f);
        }

        // The MoE layer really computes with what the source hands out.
        m->set_routing_observer(nullptr);
        m->set_expert_source(std::make_shared<CountingExpertSource>(*m, 0, 1));
        const std::vector<float> swapped = eval_all(*m, tokens);
        QVERIFY(rel_error(swapped.data(), plain.data(), plain.size()) > 1e-3);
        m->set_expert_source(nullptr);
        QCOMPARE(eval_all(*m, tokens), plain);
    }

    void routeTokenSelectsTopK() {
        ModelConfig c;
        c.n_expert = 6;
        c.n_expert_used = 3;
        std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 0.0f};
        std::vector<int32_t> experts(3);
        std::vector<float> weights(3);
        route_token(c, logits, experts, weights);
        QCOMPARE(experts, (std::vector<int32_t>{1, 3, 4})); // tie goes to the lower id
        const double e2 = std::exp(2.0), e1 = std::exp(1.0);
        QVERIFY(std::abs(weights[0] - e2 / (2 * e2 + e1)) < 1e-6);
        QVERIFY(std::abs(weights[2] - e1 / (2 * e2 + e1)) < 1e-6);
    }

    void configFromMetadata() {
        const auto mixtral = Model::load(open_model("tiny-mixtral-f16"));
        const ModelConfig& c = mixtral->config();
        QCOMPARE(c.architecture, std::string("llama"));
        QCOMPARE(c.n_layer, size_t(4));
        QCOMPARE(c.n_embd, size_t(256));
        QCOMPARE(c.n_head, size_t(4));
        QCOMPARE(c.n_head_kv, size_t(2));
        QCOMPARE(c.head_dim, size_t(64));
        QCOMPARE(c.n_expert, size_t(8));
        QCOMPARE(c.n_expert_used, size_t(2));
        QCOMPARE(c.n_ff_expert, size_t(512));
        QCOMPARE(c.n_vocab, size_t(32000));
        QCOMPARE(c.n_ctx_train, size_t(4096));
        QCOMPARE(c.rope_base, 1e6f);
        QCOMPARE(c.rope_style, backend::cpu::RopeStyle::Interleaved);
        QVERIFY(!mixtral->output_tied_to_embedding());

        const auto qwen = Model::load(open_model("tiny-qwen3moe-q8_0"));
        const ModelConfig& q = qwen->config();
        QCOMPARE(q.architecture, std::string("qwen3moe"));
        QCOMPARE(q.head_dim, size_t(128)); // not n_embd / n_head
        QCOMPARE(q.q_width(), size_t(512));
        QCOMPARE(q.n_expert, size_t(16));
        QCOMPARE(q.n_expert_used, size_t(4));
        QCOMPARE(q.n_ff_expert, size_t(256));
        QCOMPARE(q.n_vocab, size_t(50257));
        QCOMPARE(q.rope_style, backend::cpu::RopeStyle::NeoX);
        QVERIFY(q.qk_norm);
    }

    void summary() {
        const auto m = Model::load(open_model("tiny-mixtral-f16"));
        const ModelSummary s = summarize(*m, 1000);
        const uint64_t expert = 4ull * 3 * 256 * 512 * 8;
        const uint64_t per_layer = 256 * 256 * 2 + 256 * 128 * 2 + 256 * 8 + 2 * 256;
        const uint64_t shared = 2ull * 256 * 32000 + 4 * per_layer + 256;
        QCOMPARE(s.parameters_expert, expert);
        QCOMPARE(s.parameters_total, expert + shared);
        QCOMPARE(s.parameters_active, shared + expert * 2 / 8);
        QCOMPARE(s.bytes_expert, expert * 2); // f16
        QCOMPARE(s.kv_cache_bytes, uint64_t(4) * 1000 * (128 + 128) * sizeof(float));
        QCOMPARE(s.memory_bytes, s.bytes_expert + s.bytes_non_expert + s.kv_cache_bytes);
        QCOMPARE(s.kv_cache_bytes, uint64_t(m->make_cache(1000).bytes()));
        QCOMPARE(s.formats.size(), size_t(2));
        QCOMPARE(s.formats[0].format, std::string("f16"));
        QCOMPARE(s.formats[1].format, std::string("f32"));
        QCOMPARE(s.formats[1].tensors, size_t(4 * 2 + 1)); // the norms

        const ModelSummary q = summarize(*Model::load(open_model("tiny-mixtral-q4_k_m")), 64);
        std::vector<std::string> names;
        for (const FormatUsage& f : q.formats) names.push_back(f.format);
        for (const char* f : {"q4_K", "q6_K", "q8_0", "f16", "f32"})
            QVERIFY2(std::find(names.begin(), names.end(), f) != names.end(), f);
        const std::string text = describe(q);
        QVERIFY(text.find("llama") != std::string::npos);
        QVERIFY(text.find("q4_K") != std::string::npos);

        QVERIFY(is_routed_expert_tensor("blk.3.ffn_down_exps.weight"));
        QVERIFY(is_routed_expert_tensor("blk.0.ffn_gate.7.weight"));
        QVERIFY(!is_routed_expert_tensor("blk.0.ffn_gate_inp.weight"));
        QVERIFY(!is_routed_expert_tensor("blk.0.ffn_gate.weight"));
        QVERIFY(!is_routed_expert_tensor("blk.0.ffn_up_shexp.weight"));
    }

    void evalErrorsLeaveCacheUnchanged() {
        const auto m = Model::load(open_model("tiny-mixtral-f16"));
        KvCache cache = m->make_cache(8);
        std::vector<float> logits;
        const std::vector<int32_t> three = {1, 450, 4996};
        m->eval(cache, three, pool_, LogitsMode::Last, logits);
        const std::vector<float> before = logits;

        auto expect_error = [&](std::vector<int32_t> tokens, const char* words) {
            try {
                m->eval(cache, tokens, pool_, LogitsMode::Last, logits);
            } catch (const Error& e) {
                QVERIFY2(std::string(e.what()).find(words) != std::string::npos, e.what());
                QCOMPARE(cache.size(), size_t(3));
                return;
            }
            QFAIL("no error");
        };
        expect_error({5, 32000}, "outside the model's vocabulary of 32000");
        expect_error({-1}, "outside");
        expect_error({1, 2, 3, 4, 5, 6}, "context is full");

        KvCache small = m->make_cache(4);
        try {
            m->eval(small, std::vector<int32_t>(10, 1), pool_, LogitsMode::All, logits);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString(e.what()),
                     QString("the prompt is longer than the context (10 tokens > 4)"));
        }
        QCOMPARE(small.size(), size_t(0));

        const auto qwen = Model::load(open_model("tiny-qwen3moe-q8_0"));
        KvCache foreign = qwen->make_cache(8);
        QVERIFY_THROWS_EXCEPTION(Error, m->eval(foreign, three, pool_, LogitsMode::Last, logits));
        QVERIFY_THROWS_EXCEPTION(Error, cache.truncate(4));
        QVERIFY_THROWS_EXCEPTION(Error, m->make_cache(0));

        // The failed calls changed nothing: the next token continues the sequence.
        cache.truncate(2);
        m->eval(cache, std::span(three).subspan(2), pool_, LogitsMode::Last, logits);
        QCOMPARE(logits, before);
    }

    void loadErrorsNameTheProblem() {
        const auto source = open_model("tiny-qwen3moe-q8_0");
        using Edit = std::function<bool(std::string&, std::vector<uint64_t>&, quant::BlockFormat&)>;
        const Edit keep = [](std::string&, std::vector<uint64_t>&, quant::BlockFormat&) {
            return true;
        };

        // The unchanged image loads (so the failures below are the edits').
        QCOMPARE(load_error(rewrite_model(*source, keep)), QString());

        QString e = load_error(rewrite_model(
            *source, [](std::string& n, auto&, auto&) { return n != "blk.2.attn_k.weight"; }));
        QVERIFY2(e.contains("missing tensor 'blk.2.attn_k.weight'"), qPrintable(e));

        e = load_error(rewrite_model(
            *source, [](std::string& n, auto&, auto&) { return n != "blk.1.ffn_up_exps.weight"; }));
        QVERIFY2(e.contains("'blk.1.ffn_up_exps.weight'"), qPrintable(e));

        e = load_error(
            rewrite_model(*source, [](std::string& n, std::vector<uint64_t>& shape, auto&) {
                if (n == "blk.0.attn_q.weight") shape = {256, 256}; // fewer rows than 4 heads × 128
                return true;
            }));
        QVERIFY2(e.contains("'blk.0.attn_q.weight' has shape [256, 256]") &&
                     e.contains("[256, 512]"),
                 qPrintable(e));

        e = load_error(rewrite_model(*source, [](std::string& n, auto&, quant::BlockFormat& f) {
            if (n == "blk.3.attn_v.weight")
                f = quant::BlockFormat::Q8_1; // same block size, no kernels
            return true;
        }));
        QVERIFY2(e.contains("'blk.3.attn_v.weight'") && e.contains("q8_1"), qPrintable(e));

        e = load_error(rewrite_model(*source, keep,
                                     {{"general.architecture", gguf::Value::of_string("mamba")}}));
        QVERIFY2(e.contains("'mamba' is not supported") && e.contains("qwen3moe"), qPrintable(e));

        e = load_error(rewrite_model(*source, keep,
                                     {{"qwen3moe.attention.head_count_kv",
                                       gguf::Value::of_uint(gguf::ValueType::UInt32, 3)}}));
        QVERIFY2(e.contains("KV heads"), qPrintable(e));

        e = load_error(rewrite_model(
            *source, keep,
            {{"qwen3moe.expert_used_count", gguf::Value::of_uint(gguf::ValueType::UInt32, 17)}}));
        QVERIFY2(e.contains("expert_used_count"), qPrintable(e));

        // Without output.weight the head is tied to the embedding.
        const auto tied_image = rewrite_model(
            *source, [](std::string& n, auto&, auto&) { return n != "output.weight"; });
        auto tied_file =
            std::shared_ptr<const gguf::GgufFile>(gguf::GgufFile::parse(tied_image, "tied.gguf"));
        const auto tied = Model::load(tied_file);
        QVERIFY(tied->output_tied_to_embedding());
        QVERIFY(tied->output().data == tied->token_embedding().data);
        const std::vector<int32_t> two = {464, 2068};
        QCOMPARE(eval_all(*tied, two).size(), size_t(2 * 50257));
    }

    void perExpertLayoutMatchesMerged() {
        // Split the merged expert tensors into the older one-tensor-per-expert layout.
        const auto source = open_model("tiny-mixtral-f16");
        gguf::GgufWriter writer;
        for (const auto& [key, value] : source->metadata()) writer.set(key, value);
        for (const gguf::TensorInfo& t : source->tensors()) {
            const bool merged = t.name.find("_exps.") != std::string::npos;
            const size_t count = merged ? size_t(t.shape[2]) : 1;
            const size_t bytes = t.n_bytes / count;
            for (size_t e = 0; e < count; ++e) {
                std::string name = t.name;
                std::vector<uint64_t> shape = t.shape;
                if (merged) {
                    std::string index = ".";
                    index += std::to_string(e);
                    index += '.';
                    name.replace(name.find("_exps."), 6, index);
                    shape.pop_back();
                }
                const uint8_t* data = t.data + e * bytes;
                writer.add_tensor(name, shape, t.format, [data, bytes](std::span<uint8_t> dst) {
                    std::memcpy(dst.data(), data, bytes);
                });
            }
        }
        const std::vector<uint8_t> image = writer.write_to_memory();
        auto file =
            std::shared_ptr<const gguf::GgufFile>(gguf::GgufFile::parse(image, "split.gguf"));
        QVERIFY(file->find_tensor("blk.0.ffn_down.7.weight") != nullptr);
        const std::vector<int32_t> tokens = {1, 450, 4996, 17354, 1701};
        QCOMPARE(eval_all(*Model::load(file), tokens), eval_all(*Model::load(source), tokens));
    }
};

QTEST_APPLESS_MAIN(TestModel)
#include "test_model.moc"
