// GPU listing (hoard/devices.hpp): the real probe on this machine (fast,
// cached, never crashing, software renderers left out, reasons when nothing
// is found), the merge of the CUDA and Vulkan lists on synthetic input, and
// `hoard devices --json`.
#include "api/gpu_listing.hpp"
#include "hoard/devices.hpp"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <chrono>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

hoard::api::ProbedGpu probed(const char* backend, const char* name, uint64_t total, uint64_t free,
                             uint8_t uuid_byte, bool software = false) {
    hoard::api::ProbedGpu gpu;
    gpu.device.backend = backend;
    gpu.device.name = name;
    gpu.device.total_bytes = total;
    gpu.device.free_bytes = free;
    gpu.device.usable_by_hoard = std::string(backend) == "cuda";
    gpu.uuid = hoard::api::DeviceUuid{};
    (*gpu.uuid)[0] = uuid_byte;
    gpu.software = software;
    return gpu;
}

} // namespace

class DevicesTest : public QObject {
    Q_OBJECT

    std::vector<hoard::GpuDevice> first_;

  private slots:
    void listsQuicklyAndCachesTheResult() {
        auto start = std::chrono::steady_clock::now();
        first_ = hoard::list_gpus();
        const double first_s = seconds_since(start);
        qInfo("first probe: %.1f ms, %zu GPU(s); notes: %s", first_s * 1e3, first_.size(),
              hoard::gpu_probe_notes().c_str());
        QVERIFY2(first_s < 1.0, qPrintable(QString("took %1 s").arg(first_s)));

        start = std::chrono::steady_clock::now();
        const auto again = hoard::list_gpus();
        const double cached_s = seconds_since(start);
        QVERIFY2(cached_s < 0.05, qPrintable(QString("cached call took %1 s").arg(cached_s)));
        QCOMPARE(again.size(), first_.size());
        for (size_t i = 0; i < again.size(); ++i) {
            QCOMPARE(again[i].name, first_[i].name);
            QCOMPARE(again[i].total_bytes, first_[i].total_bytes);
        }

        start = std::chrono::steady_clock::now();
        const auto refreshed = hoard::list_gpus(true);
        QVERIFY(seconds_since(start) < 1.0);
        QCOMPARE(refreshed.size(), first_.size()); // the same GPUs, probed anew
    }

    void entriesAreWellFormed() {
        for (const hoard::GpuDevice& gpu : hoard::list_gpus()) {
            QVERIFY(gpu.backend == "cuda" || gpu.backend == "vulkan");
            QVERIFY(!gpu.name.empty());
            QVERIFY2(gpu.total_bytes > 0, gpu.name.c_str());
            QVERIFY2(gpu.total_bytes >= gpu.free_bytes, gpu.name.c_str());
            QVERIFY(!gpu.detail.empty());
            QCOMPARE(gpu.usable_by_hoard, gpu.backend == "cuda");
        }
    }

    void anEmptyListIsExplained() {
        const auto gpus = hoard::list_gpus();
        const std::string notes = hoard::gpu_probe_notes();
        const bool any_cuda = std::any_of(gpus.begin(), gpus.end(),
                                          [](const auto& g) { return g.backend == "cuda"; });
        if (gpus.empty()) QVERIFY(!notes.empty());
        if (!any_cuda) {
            QVERIFY2(notes.find("CUDA: ") != std::string::npos, notes.c_str());
#ifndef HOARD_HAVE_CUDA
            QVERIFY2(notes.find("built without CUDA") != std::string::npos, notes.c_str());
#endif
        }
    }

    void softwareRenderersAreLeftOut() {
        // The raw Vulkan list, software renderers included (llvmpipe where Mesa is installed).
        const hoard::api::GpuProbe raw = hoard::api::probe_vulkan_gpus(true);
        size_t software = 0;
        for (const auto& gpu : raw.gpus) {
            qInfo("  %s: %s; %llu of %llu bytes free", gpu.device.name.c_str(),
                  gpu.device.detail.c_str(), (unsigned long long)gpu.device.free_bytes,
                  (unsigned long long)gpu.device.total_bytes);
            if (gpu.device.name.find("llvmpipe") != std::string::npos) QVERIFY(gpu.software);
            // Described in full like any device before it is set aside.
            QVERIFY(gpu.device.total_bytes > 0 && gpu.device.free_bytes <= gpu.device.total_bytes);
            QVERIFY(gpu.device.detail.find("Vulkan ") != std::string::npos);
            software += gpu.software;
        }
        qInfo("Vulkan: %zu device(s), %zu software; %s", raw.gpus.size(), software,
              raw.reason.c_str());
        const hoard::api::GpuProbe plain = hoard::api::probe_vulkan_gpus();
        QCOMPARE(plain.gpus.size(), raw.gpus.size() - software);
        for (const auto& gpu : plain.gpus) QVERIFY(!gpu.software);
        for (const auto& listed : hoard::list_gpus())
            for (const auto& gpu : raw.gpus)
                if (gpu.software) QVERIFY(listed.name != gpu.device.name);
        if (software > 0 && software == raw.gpus.size())
            QVERIFY2(plain.reason.find("software renderer") != std::string::npos,
                     plain.reason.c_str());
    }

    void mergeListsEachGpuOnce() {
        using hoard::api::GpuProbe;
        GpuProbe cuda, vulkan;
        cuda.gpus = {probed("cuda", "RTX A", 12, 9, 1), probed("cuda", "RTX B", 8, 2, 2)};
        vulkan.gpus = {probed("vulkan", "RTX A (Vulkan)", 12, 0, 1),
                       probed("vulkan", "Radeon", 16, 20, 3),
                       probed("vulkan", "llvmpipe", 4, 0, 4, true)};
        auto merged = hoard::api::merge_gpu_probes(cuda, vulkan);
        QCOMPARE(merged.gpus.size(), size_t(3));
        QCOMPARE(merged.gpus[0].name, std::string("RTX A"));
        QCOMPARE(merged.gpus[1].name, std::string("RTX B"));
        QCOMPARE(merged.gpus[2].name, std::string("Radeon"));
        QCOMPARE(merged.gpus[2].free_bytes, uint64_t(16)); // never more than the total
        QVERIFY(merged.notes.empty());

        // Without CUDA the NVIDIA card is listed through Vulkan, and CUDA's reason is kept.
        GpuProbe no_cuda;
        no_cuda.reason = "this Hoard is built without CUDA";
        merged = hoard::api::merge_gpu_probes(no_cuda, vulkan);
        QCOMPARE(merged.gpus.size(), size_t(2));
        QCOMPARE(merged.gpus[0].name, std::string("RTX A (Vulkan)"));
        QVERIFY(!merged.gpus[0].usable_by_hoard);
        QCOMPARE(merged.notes, std::string("CUDA: this Hoard is built without CUDA"));

        // A software renderer alone is no GPU: both backends explain themselves.
        GpuProbe only_software;
        only_software.gpus = {probed("vulkan", "llvmpipe", 4, 0, 4, true)};
        only_software.reason = "only a software renderer (llvmpipe), which is not a GPU";
        merged = hoard::api::merge_gpu_probes(no_cuda, only_software);
        QVERIFY(merged.gpus.empty());
        QVERIFY(merged.notes.find("CUDA: ") == 0);
        QVERIFY(merged.notes.find("; Vulkan: only a software renderer") != std::string::npos);

        // GPUs without a UUID (old Vulkan drivers) are never taken for one another.
        GpuProbe anonymous = vulkan;
        anonymous.gpus[0].uuid.reset();
        QCOMPARE(hoard::api::merge_gpu_probes(cuda, anonymous).gpus.size(), size_t(4));
        QCOMPARE(hoard::api::pci_address(0, 1, 0, 0), std::string("0000:01:00.0"));
    }

    void commandLinePrintsTheSameList() {
        QProcess p;
        p.start(QString(HOARD_BUILD_DIR) + "/core/hoard", {"devices", "--json"});
        QVERIFY2(p.waitForFinished(60000), "hoard devices did not finish");
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const auto out = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
        const auto gpus = hoard::list_gpus();
        QCOMPARE(out["gpus"].size(), gpus.size());
        for (size_t i = 0; i < gpus.size(); ++i)
            QCOMPARE(out["gpus"][i]["name"].get<std::string>(), gpus[i].name);
        QCOMPARE(out["notes"].get<std::string>(), hoard::gpu_probe_notes());
        QVERIFY(out["cpu"]["memory_total_bytes"].get<uint64_t>() > 0);
        QVERIFY(out["cpu"]["threads"].get<unsigned>() > 0);
        QVERIFY(out["probe_ms"].get<double>() < 1000.0);

        QProcess text;
        text.start(QString(HOARD_BUILD_DIR) + "/core/hoard", {"devices"});
        QVERIFY(text.waitForFinished(60000));
        QCOMPARE(text.exitCode(), 0);
        const QString printed = QString::fromUtf8(text.readAllStandardOutput());
        QVERIFY2(printed.contains("CPU ") && printed.contains("memory "), qPrintable(printed));
        QVERIFY2(gpus.empty() ? printed.contains("none found") : printed.contains("GPUs\n"),
                 qPrintable(printed));
    }
};

QTEST_GUILESS_MAIN(DevicesTest)
#include "test_devices.moc"
