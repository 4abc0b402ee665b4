#pragma once
// Helpers of the live offload tests: conformance prompts, evaluating a model
// the way prefill and decode do, comparing logits, and KL divergence.
#include "api/model_handle.hpp"
#include "common/conformance.hpp"
#include "hoard/engine.hpp"
#include "hoard/error.hpp"

#include <QtCore>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hoard::test {

inline std::filesystem::path model_file(const std::string& name) {
    return conformance_path("models/" + name + ".gguf");
}

// The p1 prompt and its greedy continuation: the tokens the reference logits cover.
inline std::vector<int32_t> conformance_tokens(const std::string& name) {
    QFile json(QString::fromStdString(conformance_path("models/" + name + ".p1.json").string()));
    if (!json.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + name + " json");
    const QJsonObject o = QJsonDocument::fromJson(json.readAll()).object();
    std::vector<int32_t> tokens;
    for (const char* key : {"prompt_tokens", "greedy_tokens"})
        for (const QJsonValue& v : o[key].toArray()) tokens.push_back(int32_t(v.toInt()));
    return tokens;
}

// Logits of every position: the first `prefill` tokens in one pass, the rest
// one decode step each (n_tokens × n_vocab).
inline std::vector<float> stepwise_logits(const Model& model, const std::vector<int32_t>& tokens,
                                          size_t prefill) {
    const model::Model& m = *model.impl().model;
    const size_t n_vocab = m.config().n_vocab;
    model::KvCache cache = m.make_cache(tokens.size());
    std::vector<float> all, logits;
    prefill = std::min(prefill, tokens.size());
    if (prefill > 0) {
        m.eval(cache, std::span(tokens).first(prefill), *model.impl().pool, model::LogitsMode::All,
               logits);
        all = logits;
    }
    for (size_t i = prefill; i < tokens.size(); ++i) {
        m.eval(cache, std::span(tokens).subspan(i, 1), *model.impl().pool, model::LogitsMode::Last,
               logits);
        all.insert(all.end(), logits.begin(), logits.begin() + long(n_vocab));
    }
    return all;
}

inline bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// KL(p ‖ q) of the softmax distributions of two logit rows, in nats.
inline double kl_divergence(const float* p_logits, const float* q_logits, size_t n) {
    auto log_softmax = [n](const float* x, std::vector<double>& out) {
        double mx = -INFINITY;
        for (size_t i = 0; i < n; ++i) mx = std::max(mx, double(x[i]));
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += std::exp(double(x[i]) - mx);
        const double log_z = mx + std::log(sum);
        out.resize(n);
        for (size_t i = 0; i < n; ++i) out[i] = double(x[i]) - log_z;
    };
    std::vector<double> lp, lq;
    log_softmax(p_logits, lp);
    log_softmax(q_logits, lq);
    double kl = 0;
    for (size_t i = 0; i < n; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
    return std::max(0.0, kl);
}

// The message of the hoard::Error `fn` throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// Deterministic pseudo-random numbers for random workloads.
class TestRandom {
  public:
    explicit TestRandom(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
        return state_ >> 17;
    }
    uint64_t below(uint64_t n) { return next() % n; }
    double unit() { return double(next() % 1000000) / 1e6; }

  private:
    uint64_t state_;
};

} // namespace hoard::test
