// The live offload engine's low-precision copies: the sidecar is built,
// reused, and rebuilt when stale or damaged; per-expert bitwidth keeps the
// most sensitive experts wider.
#include "test_offload_live.hpp"

#include "gguf/gguf_file.hpp"
#include "offload/content_hash.hpp"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace hoard;
using hoard::test::model_file;

namespace {

void write_byte(const std::filesystem::path& path, uint64_t offset, uint8_t delta) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(std::streamoff(offset));
    char c = 0;
    f.read(&c, 1);
    c = char(uint8_t(c) + delta);
    f.seekp(std::streamoff(offset));
    f.write(&c, 1);
}

} // namespace

void TestOffloadLive::sidecarBuiltReusedAndRebuilt() {
    QTemporaryDir dir;
    const std::filesystem::path root = dir.path().toStdString();
    const std::filesystem::path copy = root / "model.gguf";
    std::filesystem::copy_file(model_file("tiny-mixtral-q4_k_m"), copy);
    OffloadOptions o = options();
    o.low_precision = true;
    o.cache_dir = root / "cache";
    auto setup = [&] { return *load(copy, o)->offload_setup(); };

    const OffloadSetup first = setup();
    QVERIFY(first.sidecar_built);
    QVERIFY(first.sidecar_rebuild_reason.empty());
    QVERIFY(std::filesystem::exists(first.sidecar));
    QCOMPARE(first.sidecar.parent_path(), o.cache_dir);
    QCOMPARE(first.low_format, std::string("q2_K")); // a 4–6-bit file
    const OffloadSetup second = setup();
    QVERIFY(!second.sidecar_built);
    QCOMPARE(second.sidecar, first.sidecar);

    // A damaged block of low-precision data.
    const uint64_t size = std::filesystem::file_size(first.sidecar);
    write_byte(first.sidecar, size - 100, 1);
    const OffloadSetup damaged = setup();
    QVERIFY(damaged.sidecar_built);
    QVERIFY2(damaged.sidecar_rebuild_reason.find("damaged") != std::string::npos,
             damaged.sidecar_rebuild_reason.c_str());
    QVERIFY(!setup().sidecar_built);

    // A damaged header, and a header of another format version (its
    // checksum made right, so only the version differs).
    write_byte(first.sidecar, 20, 1);
    QVERIFY(setup().sidecar_rebuild_reason.find("header") != std::string::npos);
    {
        std::vector<uint8_t> header(128);
        std::ifstream in(first.sidecar, std::ios::binary);
        in.read(reinterpret_cast<char*>(header.data()), 128);
        in.close();
        header[8] = 99;
        const uint64_t sum = offload::content_hash(header.data(), 120);
        for (int i = 0; i < 8; ++i) header[size_t(120 + i)] = uint8_t(sum >> (8 * i));
        std::fstream out(first.sidecar, std::ios::in | std::ios::out | std::ios::binary);
        out.write(reinterpret_cast<const char*>(header.data()), 128);
    }
    const OffloadSetup versioned = setup();
    QVERIFY(versioned.sidecar_built);
    QVERIFY2(versioned.sidecar_rebuild_reason.find("version") != std::string::npos,
             versioned.sidecar_rebuild_reason.c_str());

    // The same bytes with a new modification time: rehashed, still valid.
    std::filesystem::last_write_time(copy, std::filesystem::last_write_time(copy) +
                                               std::chrono::seconds(5));
    QVERIFY(!setup().sidecar_built);

    // Another model: one weight of an expert changed.
    const auto file = gguf::GgufFile::open(copy);
    const gguf::TensorInfo& t = file->tensor("blk.1.ffn_up_exps.weight");
    const uint64_t at = file->data_offset() + t.offset + t.n_bytes / 2;
    write_byte(copy, at, 7);
    std::filesystem::last_write_time(copy, std::filesystem::last_write_time(copy) +
                                               std::chrono::seconds(5));
    const OffloadSetup changed = setup();
    QVERIFY(changed.sidecar_built);
    QVERIFY2(changed.sidecar_rebuild_reason.find("changed") != std::string::npos,
             changed.sidecar_rebuild_reason.c_str());
    QVERIFY(!setup().sidecar_built);

    // Other settings (per-expert bitwidth) get a sidecar of their own.
    o.sensitivity = true;
    const OffloadSetup sensitive = setup();
    QVERIFY(sensitive.sidecar_built);
    QVERIFY(sensitive.sidecar != first.sidecar);
    QCOMPARE(sensitive.low_format, std::string("q2_K+q3_K"));
    o.sensitivity = false;
    QVERIFY(!setup().sidecar_built); // the first one is still there
}

void TestOffloadLive::sensitivityKeepsTheMostSensitiveWider() {
    OffloadOptions o = options();
    o.low_precision = true;
    o.sensitivity = true;
    o.sensitive_fraction = 0.25;
    const auto model = load(model_file("tiny-mixtral-f16"), o);
    const offload::ExpertCatalog& catalog = model->impl().offload->catalog();
    size_t wide = 0, n = 0;
    for (uint32_t l = 0; l < catalog.n_layer(); ++l)
        for (uint32_t e = 0; e < catalog.n_expert(); ++e, ++n)
            wide += catalog.layout(l, e, offload::Precision::Low).matrices[0].format ==
                    quant::BlockFormat::Q5_K;
    QCOMPARE(model->offload_setup()->low_format, std::string("q4_K+q5_K"));
    QCOMPARE(wide, size_t(std::ceil(0.25 * double(n))));
}
