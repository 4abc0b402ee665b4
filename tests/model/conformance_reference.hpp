#pragma once
// The conformance reference of a tiny model and prompt (token ids, greedy
// continuation, float16 logits of every position) and the measures the
// tolerances are stated in.
#include "common/conformance.hpp"

#include "gguf/gguf_file.hpp"
#include "quant/kernels.hpp"

#include <QtCore>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hoard::test {

struct Reference {
    std::vector<int32_t> prompt;
    std::vector<int32_t> greedy;
    size_t n_vocab = 0;
    std::vector<float> logits; // (prompt + greedy) × n_vocab
};

inline std::vector<int32_t> int_array(const QJsonArray& a) {
    std::vector<int32_t> v;
    for (const QJsonValue& x : a) v.push_back(int32_t(x.toInt()));
    return v;
}

inline Reference read_reference(const std::string& model, const std::string& prompt) {
    Reference r;
    QFile json(QString::fromStdString(
        conformance_path("models/" + model + "." + prompt + ".json").string()));
    if (!json.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + model + " json");
    const QJsonObject o = QJsonDocument::fromJson(json.readAll()).object();
    r.prompt = int_array(o["prompt_tokens"].toArray());
    r.greedy = int_array(o["greedy_tokens"].toArray());
    r.n_vocab = size_t(o["n_vocab"].toInt());

    std::ifstream in(conformance_path("models/" + model + "." + prompt + ".logits.f16"),
                     std::ios::binary);
    std::vector<uint16_t> half((r.prompt.size() + r.greedy.size()) * r.n_vocab);
    in.read(reinterpret_cast<char*>(half.data()), std::streamsize(half.size() * 2));
    if (!in || in.peek() != EOF) throw std::runtime_error(model + " logits: unexpected size");
    r.logits.resize(half.size());
    for (size_t i = 0; i < half.size(); ++i) r.logits[i] = quant::fp16_to_fp32(half[i]);
    return r;
}

inline std::shared_ptr<const gguf::GgufFile> open_model(const std::string& model) {
    static std::map<std::string, std::shared_ptr<const gguf::GgufFile>> files;
    auto& f = files[model];
    if (!f) f = gguf::GgufFile::open(conformance_path("models/" + model + ".gguf"));
    return f;
}

inline size_t argmax(const float* v, size_t n) {
    return size_t(std::max_element(v, v + n) - v);
}

inline double rel_error(const float* ours, const float* ref, size_t n) {
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; ++i) {
        diff += (double(ours[i]) - ref[i]) * (double(ours[i]) - ref[i]);
        norm += double(ref[i]) * ref[i];
    }
    return std::sqrt(diff / norm);
}

inline double margin(const float* v, size_t n) {
    float top1 = -INFINITY, top2 = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
        if (v[i] > top1) {
            top2 = top1;
            top1 = v[i];
        } else if (v[i] > top2) {
            top2 = v[i];
        }
    }
    return double(top1) - top2;
}

// Checks greedy decoding against the reference: an exact match when `required`
// (or when it matches anyway); otherwise a quantized model may part ways only
// at a near-tie of the reference's own logits, and then for its runner-up.
inline void check_greedy(const std::vector<int32_t>& generated, const Reference& ref,
                         bool required) {
    size_t matching = 0;
    while (matching < generated.size() && generated[matching] == ref.greedy[matching]) ++matching;
    if (required || matching == generated.size()) {
        QCOMPARE(generated, ref.greedy);
        return;
    }
    const size_t p = ref.prompt.size() - 1 + matching;
    const float* theirs = ref.logits.data() + p * ref.n_vocab;
    std::vector<size_t> order(ref.n_vocab);
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                      [&](size_t a, size_t b) { return theirs[a] > theirs[b]; });
    qInfo("  diverges at position %zu: reference margin %.4f, ours %d, its top two %zu %zu", p,
          margin(theirs, ref.n_vocab), generated[matching], order[0], order[1]);
    QVERIFY(margin(theirs, ref.n_vocab) < 0.1);
    QVERIFY(size_t(generated[matching]) == order[0] || size_t(generated[matching]) == order[1]);
}

} // namespace hoard::test
