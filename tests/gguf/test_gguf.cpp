// GGUF reader and writer: real files parse, written files read back exactly,
// and every kind of malformed file is rejected with a named error.
#include "common/conformance.hpp"
#include "gguf/gguf_file.hpp"
#include "gguf/gguf_writer.hpp"
#include "hoard/error.hpp"

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

using namespace hoard;
using namespace hoard::gguf;

namespace {

std::vector<uint8_t> small_model_image() {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    w.set_u32("llama.block_count", 2);
    w.set_strings("tokenizer.ggml.tokens", {"a", "b", "c"});
    std::vector<uint8_t> data(4 * 8 * sizeof(float));
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
    w.add_tensor("t0", {8, 4}, quant::BlockFormat::F32, data);
    w.add_tensor("t1", {32}, quant::BlockFormat::Q8_0, std::vector<uint8_t>(34, 7));
    return w.write_to_memory();
}

// Header writer for hand-made broken files.
struct Raw {
    std::vector<uint8_t> b;
    template <class T> Raw& put(T v) {
        const size_t at = b.size();
        b.resize(at + sizeof(T));
        std::memcpy(b.data() + at, &v, sizeof(T));
        return *this;
    }
    Raw& str(const std::string& s) {
        put<uint64_t>(s.size());
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Raw& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
        return put<uint32_t>(kMagic).put<uint32_t>(version).put<uint64_t>(n_tensors).put<uint64_t>(
            n_kv);
    }
};

QString rejection(const std::vector<uint8_t>& bytes) {
    try {
        GgufFile::parse(bytes, "test.gguf");
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT
  private slots:
    void readsConformanceModels_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("arch");
        QTest::newRow("mixtral-f16") << "models/tiny-mixtral-f16.gguf"
                                     << "llama";
        QTest::newRow("mixtral-q4km") << "models/tiny-mixtral-q4_k_m.gguf"
                                      << "llama";
        QTest::newRow("qwen3moe-q8") << "models/tiny-qwen3moe-q8_0.gguf"
                                     << "qwen3moe";
        QTest::newRow("quant-zoo") << "quant-zoo.gguf"
                                   << "";
    }
    void readsConformanceModels() {
        QFETCH(QString, file);
        QFETCH(QString, arch);
        auto f = GgufFile::open(test::conformance_path(file.toStdString()));
        QVERIFY(f->version() == 2 || f->version() == 3);
        QVERIFY(!f->tensors().empty());
        if (!arch.isEmpty()) {
            QCOMPARE(QString::fromStdString(f->get_string("general.architecture")), arch);
            QVERIFY(f->find_tensor("token_embd.weight") != nullptr);
            QVERIFY(f->find("tokenizer.ggml.tokens")->as_strings().size() > 1000);
        }
        for (const TensorInfo& t : f->tensors()) {
            QVERIFY(t.data >= f->bytes().data() + f->data_offset());
            QVERIFY(t.data + t.n_bytes <= f->bytes().data() + f->file_size());
            QCOMPARE((t.data - f->bytes().data()) % f->alignment(), 0);
        }
    }

    void writerRoundTripsEveryValueType() {
        GgufWriter w(64);
        w.set("u8", Value::of_uint(ValueType::UInt8, 200));
        w.set("i8", Value::of_int(ValueType::Int8, -100));
        w.set("u16", Value::of_uint(ValueType::UInt16, 60000));
        w.set("i16", Value::of_int(ValueType::Int16, -30000));
        w.set("u32", Value::of_uint(ValueType::UInt32, 4000000000u));
        w.set("i32", Value::of_int(ValueType::Int32, -2000000000));
        w.set("u64", Value::of_uint(ValueType::UInt64, 1ull << 60));
        w.set("i64", Value::of_int(ValueType::Int64, -(1ll << 60)));
        w.set("f32", Value::of_float(ValueType::Float32, 1.5));
        w.set("f64", Value::of_float(ValueType::Float64, -2.25));
        w.set_bool("bool", true);
        w.set_string("str", "héllo ▁world");
        w.set_floats("floats", {1.0f, -2.0f, 0.5f});
        w.set_i32s("ints", {1, -2, 3});
        ArrayValue nested{ValueType::Array, {}};
        ArrayValue inner{ValueType::String, {Value::of_string("x"), Value::of_string("")}};
        nested.items.push_back(Value::of_array(inner));
        w.set("nested", Value::of_array(nested));
        w.add_tensor("weights", {32, 3}, quant::BlockFormat::F16, std::vector<uint8_t>(192, 1));
        w.add_tensor("filled", {5}, quant::BlockFormat::F32, [](std::span<uint8_t> dst) {
            for (size_t i = 0; i < dst.size(); ++i) dst[i] = static_cast<uint8_t>(i * 3);
        });
        const std::vector<uint8_t> image = w.write_to_memory();
        QCOMPARE(image.size(), size_t(w.total_bytes()));

        auto f = GgufFile::parse(image, "roundtrip");
        QCOMPARE(f->version(), 3u);
        QCOMPARE(f->alignment(), 64u);
        QCOMPARE(f->find("u8")->as_uint(), 200ull);
        QCOMPARE(f->find("i8")->as_int(), -100ll);
        QCOMPARE(f->find("u16")->as_uint(), 60000ull);
        QCOMPARE(f->find("i16")->as_int(), -30000ll);
        QCOMPARE(f->find("u32")->as_uint(), 4000000000ull);
        QCOMPARE(f->find("i32")->as_int(), -2000000000ll);
        QCOMPARE(f->find("u64")->as_uint(), 1ull << 60);
        QCOMPARE(f->find("i64")->as_int(), -(1ll << 60));
        QCOMPARE(f->get_float("f32"), 1.5);
        QCOMPARE(f->get_float("f64"), -2.25);
        QCOMPARE(f->get_bool("bool", false), true);
        QCOMPARE(f->get_string("str"), std::string("héllo ▁world"));
        QCOMPARE(f->find("floats")->as_floats(), (std::vector<float>{1.0f, -2.0f, 0.5f}));
        QCOMPARE(f->find("ints")->as_ints(), (std::vector<int64_t>{1, -2, 3}));
        QCOMPARE(f->find("nested")->as_array().items[0].as_strings(),
                 (std::vector<std::string>{"x", ""}));
        QCOMPARE(f->find("f32")->type(), ValueType::Float32);
        const TensorInfo& t = f->tensor("weights");
        QCOMPARE(t.shape, (std::vector<uint64_t>{32, 3}));
        QCOMPARE(t.n_bytes, 192ull);
        QCOMPARE(t.row_bytes(), 64ull);
        QCOMPARE(int(t.data[0]), 1);
        const TensorInfo& filled = f->tensor("filled");
        QCOMPARE(int(filled.data[4]), 12);
        QCOMPARE((filled.data - image.data()) % 64, 0);
    }

    void writesFilesAtomically() {
        const auto dir = std::filesystem::temp_directory_path() / "hoard-test-gguf";
        std::filesystem::create_directories(dir);
        GgufWriter w;
        w.set_string("general.architecture", "llama");
        w.add_tensor("t", {4}, quant::BlockFormat::F32, std::vector<uint8_t>(16, 0));
        const auto path = dir / "out.gguf";
        uint64_t last = 0;
        w.write(path, [&](uint64_t done, uint64_t total) {
            QVERIFY(done <= total);
            last = done;
        });
        QCOMPARE(last, std::filesystem::file_size(path));
        QVERIFY(!std::filesystem::exists(path.string() + ".partial"));
        QCOMPARE(GgufFile::open(path)->get_string("general.architecture"), std::string("llama"));
        QVERIFY_THROWS_EXCEPTION(Error, w.write(dir / "missing-folder" / "x.gguf"));
        std::filesystem::remove_all(dir);
    }

    void rejectsMissingAndEmptyFiles() {
        QVERIFY_THROWS_EXCEPTION(Error, GgufFile::open("/nonexistent/model.gguf"));
        QVERIFY_THROWS_EXCEPTION(Error, GgufFile::open(std::filesystem::temp_directory_path()));
        const auto empty = std::filesystem::temp_directory_path() / "hoard-empty.gguf";
        std::ofstream(empty).close();
        try {
            GgufFile::open(empty);
            QFAIL("empty file accepted");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("empty"));
        }
        std::filesystem::remove(empty);
    }

    void rejectsMalformedHeaders_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        auto bytes = [](const Raw& r) {
            return QByteArray(reinterpret_cast<const char*>(r.b.data()), qsizetype(r.b.size()));
        };
        QTest::newRow("bad magic")
            << bytes(Raw().put<uint32_t>(0x12345678).put<uint32_t>(3)) << "bad magic";
        QTest::newRow("version 1") << bytes(Raw().header(0, 0, 1)) << "version 1";
        QTest::newRow("version 99") << bytes(Raw().header(0, 0, 99)) << "version 99";
        QTest::newRow("huge kv count") << bytes(Raw().header(0, 1ull << 60)) << "metadata count";
        QTest::newRow("huge tensor count") << bytes(Raw().header(1ull << 60, 0)) << "tensor count";
        QTest::newRow("huge string")
            << bytes(Raw().header(0, 1).put<uint64_t>(1ull << 62).put<uint64_t>(0)) << "claims";
        QTest::newRow("unknown value type")
            << bytes(Raw().header(0, 1).str("k").put<uint32_t>(77).put<uint64_t>(0))
            << "unknown value type";
        QTest::newRow("huge array") << bytes(Raw()
                                                 .header(0, 1)
                                                 .str("k")
                                                 .put<uint32_t>(9)
                                                 .put<uint32_t>(8)
                                                 .put<uint64_t>(1ull << 61)
                                                 .put<uint64_t>(0))
                                    << "elements";
        QTest::newRow("bad bool")
            << bytes(Raw().header(0, 1).str("k").put<uint32_t>(7).put<uint8_t>(5)) << "bool";
        QTest::newRow("duplicate key") << bytes(Raw()
                                                    .header(0, 2)
                                                    .str("k")
                                                    .put<uint32_t>(4)
                                                    .put<uint32_t>(1)
                                                    .str("k")
                                                    .put<uint32_t>(4)
                                                    .put<uint32_t>(2))
                                       << "duplicate metadata";
        QTest::newRow("alignment not power of two")
            << bytes(Raw().header(0, 1).str("general.alignment").put<uint32_t>(4).put<uint32_t>(24))
            << "power of two";
        auto tensor = [](Raw r, uint32_t n_dims, std::vector<uint64_t> dims, uint32_t type,
                         uint64_t offset) {
            r.str("t").put<uint32_t>(n_dims);
            for (uint64_t d : dims) r.put<uint64_t>(d);
            r.put<uint32_t>(type).put<uint64_t>(offset);
            r.b.resize((r.b.size() + 31) / 32 * 32 + 64, 0);
            return r;
        };
        QTest::newRow("five dims")
            << bytes(tensor(Raw().header(1, 0), 5, {1, 1, 1, 1, 1}, 0, 0)) << "dimensions";
        QTest::newRow("zero dim") << bytes(tensor(Raw().header(1, 0), 2, {4, 0}, 0, 0))
                                  << "invalid dimension";
        QTest::newRow("overflowing dims")
            << bytes(tensor(Raw().header(1, 0), 3, {1ull << 40, 1ull << 40, 1ull << 40}, 0, 0))
            << "overflows";
        QTest::newRow("unknown type")
            << bytes(tensor(Raw().header(1, 0), 1, {4}, 99, 0)) << "unknown type 99";
        QTest::newRow("partial block")
            << bytes(tensor(Raw().header(1, 0), 1, {33}, 8, 0)) << "whole number";
        QTest::newRow("misaligned") << bytes(tensor(Raw().header(1, 0), 1, {4}, 0, 3)) << "aligned";
        QTest::newRow("data out of range")
            << bytes(tensor(Raw().header(1, 0), 1, {4}, 0, 1024)) << "truncated";
    }
    void rejectsMalformedHeaders() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        std::vector<uint8_t> image(bytes.begin(), bytes.end());
        const QString message = rejection(image);
        QVERIFY2(!message.isEmpty(), "malformed file accepted");
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.startsWith("test.gguf: "), qPrintable(message));
    }

    void rejectsEveryTruncation() {
        const std::vector<uint8_t> image = small_model_image();
        QVERIFY(rejection(image).isEmpty());
        // Padding after the last tensor is optional; everything before its end is needed.
        const auto parsed = GgufFile::parse(image, "full");
        const TensorInfo& last = parsed->tensors().back();
        const size_t needed = size_t(last.data - image.data()) + last.n_bytes;
        for (size_t n = 0; n < needed; ++n) {
            std::vector<uint8_t> cut(image.begin(), image.begin() + static_cast<long>(n));
            QVERIFY2(!rejection(cut).isEmpty(),
                     qPrintable(QString("prefix of %1 bytes accepted").arg(n)));
        }
    }

    void survivesRandomCorruption() {
        // Flip bytes of a real model's header: each result must parse or be rejected, never crash.
        auto f = GgufFile::open(test::conformance_path("models/tiny-qwen3moe-q8_0.gguf"));
        const size_t header = f->data_offset();
        std::vector<uint8_t> base(f->bytes().begin(), f->bytes().begin() + header + 4096);
        std::mt19937 rng(1234);
        int rejected = 0;
        for (int i = 0; i < 300; ++i) {
            std::vector<uint8_t> m = base;
            for (int k = 0; k < 4; ++k) m[rng() % header] = static_cast<uint8_t>(rng());
            if (!rejection(m).isEmpty()) ++rejected;
        }
        QVERIFY(rejected > 0);
    }
};

QTEST_APPLESS_MAIN(TestGguf)
#include "test_gguf.moc"
