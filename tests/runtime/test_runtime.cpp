// Runtime: sampling rules, and generation through the public engine facade on
// the conformance models (greedy continuation, prefix reuse, limits, cancel).
#include "common/conformance.hpp"
#include "hoard/engine.hpp"
#include "hoard/error.hpp"
#include "runtime/sampler.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <thread>

using namespace hoard;

namespace {

nlohmann::json read_json(const std::string& relative) {
    std::ifstream in(test::conformance_path(relative));
    if (!in) throw std::runtime_error("missing reference file " + relative);
    return nlohmann::json::parse(in);
}

std::string read_text(const std::string& relative) {
    std::ifstream in(test::conformance_path(relative), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

class TestRuntime : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> engine_;
    std::shared_ptr<Model> mixtral_;

  private slots:
    void initTestCase() {
        engine_ = std::make_unique<Engine>();
        mixtral_ = engine_->load_model(test::conformance_path("models/tiny-mixtral-f16.gguf"));
    }

    void greedyPicksTheLargestLogit() {
        runtime::Sampler s(SamplingParams::greedy());
        std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
        QCOMPARE(s.sample(logits, {}), 1);
    }

    void topKOfOneIsGreedyAtAnyTemperature() {
        SamplingParams p;
        p.temperature = 5.0f;
        p.top_k = 1;
        p.repeat_penalty = 1.0f;
        runtime::Sampler s(p);
        for (int i = 0; i < 50; ++i) {
            std::vector<float> logits = {0.5f, 0.4f, 3.0f, 0.0f};
            QCOMPARE(s.sample(logits, {}), 2);
        }
    }

    void sameSeedSameDraws() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = 1.0f;
        p.min_p = 0.0f;
        std::vector<int32_t> a, b;
        for (auto* out : {&a, &b}) {
            runtime::Sampler s(p);
            for (int i = 0; i < 64; ++i) {
                std::vector<float> logits(10, 0.0f);
                out->push_back(s.sample(logits, {}));
            }
        }
        QCOMPARE(a, b);
        QVERIFY(std::set<int32_t>(a.begin(), a.end()).size() > 3); // actually random
    }

    void frequenciesFollowTheSoftmax() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = 1.0f;
        p.min_p = 0.0f;
        p.repeat_penalty = 1.0f;
        runtime::Sampler s(p);
        int ones = 0;
        const int n = 20000;
        for (int i = 0; i < n; ++i) {
            std::vector<float> logits = {0.0f, std::log(3.0f)}; // p = 0.25, 0.75
            ones += s.sample(logits, {}) == 1;
        }
        QVERIFY2(std::abs(double(ones) / n - 0.75) < 0.02, qPrintable(QString::number(ones)));
    }

    void topPAndMinPCutTheTail() {
        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.min_p = 0.0f;
        p.top_p = 0.5f;
        p.repeat_penalty = 1.0f;
        runtime::Sampler top_p(p);
        p.top_p = 1.0f;
        p.min_p = 0.5f;
        runtime::Sampler min_p(p);
        for (int i = 0; i < 200; ++i) {
            std::vector<float> a = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};
            QCOMPARE(top_p.sample(a, {}), 0); // 0.6 alone reaches 0.5
            std::vector<float> b = {std::log(0.6f), std::log(0.35f), std::log(0.05f)};
            QVERIFY(min_p.sample(b, {}) != 2); // 0.05 < 0.5 x 0.6
        }
    }

    void repeatPenaltyDemotesSeenTokens() {
        SamplingParams p = SamplingParams::greedy();
        p.repeat_penalty = 2.0f;
        runtime::Sampler s(p);
        std::vector<float> logits = {1.0f, 1.5f, -1.0f};
        const std::vector<int32_t> recent = {1};
        QCOMPARE(s.sample(logits, recent), 0); // 1.5 / 2 < 1.0
        QCOMPARE(logits[1], 0.75f);
    }

    void rejectsInvalidSettings() {
        SamplingParams p;
        p.top_p = 0.0f;
        QVERIFY_THROWS_EXCEPTION(Error, runtime::Sampler{p});
        p = {};
        p.min_p = 1.5f;
        QVERIFY_THROWS_EXCEPTION(Error, runtime::Sampler{p});
        p = {};
        p.repeat_penalty = 0.0f;
        QVERIFY_THROWS_EXCEPTION(Error, runtime::Sampler{p});
    }

    void greedyGenerationReproducesTheReference_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("prompt");
        QTest::newRow("mixtral-f16 p1") << "tiny-mixtral-f16"
                                        << "p1";
        QTest::newRow("mixtral-f16 p2") << "tiny-mixtral-f16"
                                        << "p2";
    }
    void greedyGenerationReproducesTheReference() {
        QFETCH(QString, model);
        QFETCH(QString, prompt);
        const std::string base = "models/" + model.toStdString();
        const auto ref = read_json(base + "." + prompt.toStdString() + ".json");
        auto m = engine_->load_model(test::conformance_path(base + ".gguf"));
        const auto prompt_tokens =
            m->tokenize(read_text("models/" + prompt.toStdString() + ".txt"), true, false);
        QCOMPARE(prompt_tokens, ref["prompt_tokens"].get<std::vector<int32_t>>());

        auto session = engine_->create_session(m, 256);
        GenerationParams params;
        params.sampling = SamplingParams::greedy();
        params.max_tokens = int32_t(ref["greedy_tokens"].size());
        params.stop_at_end_of_generation = false;
        std::vector<int32_t> generated;
        std::string text;
        const GenerationStats stats =
            session->generate(prompt_tokens, params, [&](int32_t t, std::string_view piece) {
                if (t >= 0) generated.push_back(t);
                text += piece;
                return true;
            });
        QCOMPARE(generated, ref["greedy_tokens"].get<std::vector<int32_t>>());
        QCOMPARE(stats.stop, StopReason::MaxTokens);
        QCOMPARE(stats.prompt_tokens, prompt_tokens.size());
        QCOMPARE(text, ref["greedy_text"].get<std::string>());
    }

    void reusesTheCachedPrefix() {
        auto session = engine_->create_session(mixtral_, 128);
        const auto prompt = mixtral_->tokenize("The cache keeps what it has seen", true, false);
        GenerationParams params;
        params.sampling = SamplingParams::greedy();
        params.max_tokens = 4;
        params.stop_at_end_of_generation = false;
        std::vector<int32_t> first, second;
        session->generate(prompt, params, [&](int32_t t, std::string_view) {
            first.push_back(t);
            return true;
        });
        std::vector<int32_t> longer = prompt;
        longer.insert(longer.end(), first.begin(), first.end() - 1);
        const auto stats = session->generate(longer, params, [&](int32_t t, std::string_view) {
            second.push_back(t);
            return true;
        });
        QVERIFY(stats.reused_tokens >= prompt.size());
        QCOMPARE(second.front(), first.back()); // same state, same next token
    }

    void promptLongerThanTheContextIsAClearError() {
        auto session = engine_->create_session(mixtral_, 8);
        const std::vector<int32_t> prompt(9, 1);
        try {
            session->generate(prompt, {}, {});
            QFAIL("accepted a prompt longer than the context");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("longer than the context"), e.what());
        }
        QCOMPARE(session->cached_tokens(), size_t(0));
    }

    void stopsWhenTheContextIsFull() {
        auto session = engine_->create_session(mixtral_, 12);
        GenerationParams params;
        params.max_tokens = 100;
        params.stop_at_end_of_generation = false;
        const auto stats = session->generate(std::vector<int32_t>{1, 100, 200}, params, {});
        QCOMPARE(stats.stop, StopReason::ContextFull);
        QCOMPARE(session->cached_tokens(), size_t(12));
    }

    void cancelFromAnotherThread() {
        auto session = engine_->create_session(mixtral_, 4096);
        GenerationParams params;
        params.max_tokens = -1;
        params.stop_at_end_of_generation = false;
        std::atomic<int> seen{0};
        std::thread canceller([&] {
            while (seen.load() < 3) std::this_thread::yield();
            session->cancel();
        });
        const auto stats = session->generate(std::vector<int32_t>{1, 2, 3}, params,
                                             [&](int32_t, std::string_view) {
                                                 ++seen;
                                                 return true;
                                             });
        canceller.join();
        QCOMPARE(stats.stop, StopReason::Cancelled);
        QVERIFY(stats.generated_tokens < 100);
    }

    void callbackCanStop() {
        auto session = engine_->create_session(mixtral_, 64);
        GenerationParams params;
        params.stop_at_end_of_generation = false;
        int calls = 0;
        const auto stats =
            session->generate(std::vector<int32_t>{1, 5}, params,
                              [&](int32_t, std::string_view) { return ++calls < 2; });
        QCOMPARE(stats.stop, StopReason::CallbackStopped);
        QCOMPARE(calls, 2);
    }

    void chatUsesTheTemplate() {
        // The conformance models carry no template: ChatML is the fallback.
        QVERIFY(!mixtral_->has_chat_template());
        const std::vector<ChatMessage> messages = {{"system", "Be brief."}, {"user", "Hi"}};
        const std::string text = mixtral_->render_chat(messages, true);
        QCOMPARE(
            text,
            std::string("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        "<|im_start|>assistant\n"));
        const auto tokens = mixtral_->tokenize_chat(messages, true);
        QCOMPARE(tokens.front(), mixtral_->summary().bos_token);
    }

    void badModelFilesAreRejected() {
        QVERIFY_THROWS_EXCEPTION(Error, engine_->load_model("/nonexistent.gguf"));
        QVERIFY_THROWS_EXCEPTION(
            Error, engine_->load_model(test::conformance_path("tokenizer/ggml-vocab-gpt-2.gguf")));
        std::atomic<bool> cancel{true};
        QVERIFY_THROWS_EXCEPTION(
            Error, engine_->load_model(test::conformance_path("models/tiny-mixtral-f16.gguf"), {},
                                       &cancel));
    }

    // Backend::Cpu is the CPU engine as before; Auto is the same where there
    // is no usable GPU.
    void cpuBackendIsTheCpuEngine() {
        const auto path = test::conformance_path("models/tiny-mixtral-f16.gguf");
        LoadOptions options;
        options.backend = Backend::Cpu;
        auto cpu = engine_->load_model(path, {}, nullptr, options);
        QCOMPARE(cpu->backend_name(), std::string("cpu"));
        QCOMPARE(cpu->backend_memory_bandwidth(), 0.0);
        QVERIFY(cpu->backend_description().starts_with("CPU"));
        const auto ref = read_json("models/tiny-mixtral-f16.p1.json");
        const auto prompt = ref["prompt_tokens"].get<std::vector<int32_t>>();
        const std::vector<float> logits = cpu->evaluate(prompt);
        QCOMPARE(logits, mixtral_->evaluate(prompt)); // the default load: Auto
        if (mixtral_->backend_name() == "cuda")
            QSKIP("a GPU is present: Auto runs there (tests/cuda checks it)");
        QCOMPARE(mixtral_->backend_name(), std::string("cpu"));
        QVERIFY(mixtral_->backend_description().find("CUDA not used") != std::string::npos);

        // Offloaded: the simulated device, with either backend choice.
        OffloadOptions offload;
        offload.device_bytes = uint64_t(1) << 30;
        offload.low_precision = false;
        options.offload = offload;
        for (Backend backend : {Backend::Cpu, Backend::Auto}) {
            options.backend = backend;
            auto m = engine_->load_model(path, {}, nullptr, options);
            QVERIFY(m->offloaded());
            QCOMPARE(m->backend_name(), std::string("cpu"));
            QVERIFY(m->backend_description().find("simulated") != std::string::npos);
            QCOMPARE(m->evaluate(prompt), logits);
        }
    }

    // Backend::Cuda without a usable GPU is an error that says so, offloaded
    // or not.
    void cudaBackendWithoutGpuIsAClearError() {
        if (mixtral_->backend_name() == "cuda") QSKIP("a GPU is present");
        const auto path = test::conformance_path("models/tiny-mixtral-f16.gguf");
        LoadOptions options;
        options.backend = Backend::Cuda;
        for (int offloaded = 0; offloaded < 2; ++offloaded) {
            if (offloaded) options.offload = OffloadOptions{.device_bytes = uint64_t(1) << 30};
            try {
                engine_->load_model(path, {}, nullptr, options);
                QFAIL("loading with Backend::Cuda succeeded without a GPU");
            } catch (const Error& e) {
                const std::string message = e.what();
                QVERIFY2(message.find("CUDA backend cannot run this model") != std::string::npos,
                         message.c_str());
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestRuntime)
#include "test_runtime.moc"
