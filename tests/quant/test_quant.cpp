#include "common/conformance.hpp"
#include "gguf/gguf_file.hpp"
#include "quant/kernels.hpp"

#include <QtTest>
#include <cstring>
#include <vector>

using namespace hoard;
using namespace hoard::quant;

class TestQuant : public QObject {
    Q_OBJECT
  private slots:
    void dequantizeMatchesZoo();
};

void TestQuant::dequantizeMatchesZoo() {
    auto file = gguf::GgufFile::open(test::conformance_path("quant-zoo.gguf"));
    for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k",
                             "q6_k", "f16", "bf16"}) {
        const auto& t = file->tensor(name);
        const auto& ref = file->tensor(std::string(name) + ".f32");
        std::vector<float> got(t.n_elements);
        for (uint64_t r = 0; r < t.n_rows(); ++r)
            dequantize_row(t.format, t.data + r * t.row_bytes(), got.data() + r * t.row_length(),
                           t.row_length());
        size_t bad = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            float e;
            std::memcpy(&e, ref.data + 4 * i, 4);
            if (got[i] != e) {
                if (bad < 3) qWarning("%s %zu got %g want %g", name, i, got[i], e);
                ++bad;
            }
        }
        qInfo("%s: %zu mismatches of %zu", name, bad, got.size());
    }
}

QTEST_APPLESS_MAIN(TestQuant)
#include "test_quant.moc"
