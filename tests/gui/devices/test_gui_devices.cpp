// The Budget planner's devices: GPU lists from the engine (hoard::list_gpus)
// through the planner's probe hook — synthetic lists (CUDA and Vulkan GPUs,
// none, a failing source) and the real probe on this machine — into the
// device list, the planning target and the Devices card. Saves the card as
// drawn under <build>/screenshots/devices/.
#include "app/render_setup.hpp"
#include "app/theme.hpp"
#include "budget/budget_controller.hpp"
#include "budget/device_list_model.hpp"
#include "budget/gpu_device_probe.hpp"
#include "gui/common/gui_test_support.hpp"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQmlExtensionPlugin>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSet>
#include <QTest>

#include <stdexcept>

Q_IMPORT_QML_PLUGIN(HoardPlugin)

using namespace hoard::gui;

namespace {

class FixedProbe : public DeviceProbe {
  public:
    explicit FixedProbe(std::vector<DeviceInfo> devices) : devices_(std::move(devices)) {}
    std::vector<DeviceInfo> probe() override { return devices_; }

  private:
    std::vector<DeviceInfo> devices_;
};

DeviceInfo host() {
    DeviceInfo d;
    d.name = "Test CPU · 16 threads";
    d.api = "system memory";
    d.totalBytes = 64'000'000'000ull;
    d.freeBytes = 40'000'000'000ull;
    d.memoryBytesPerSecond = 60e9;
    return d;
}

hoard::GpuDevice cudaGpu() {
    hoard::GpuDevice g;
    g.backend = "cuda";
    g.name = "NVIDIA GeForce RTX 4070";
    g.total_bytes = 12'000'000'000ull;
    g.free_bytes = 10'800'000'000ull;
    g.memory_bytes_per_second = 504e9;
    g.detail = "device 0 · compute 8.9 · 46 SMs · PCI 0000:01:00.0 · driver for CUDA 12.4";
    g.usable_by_hoard = true;
    return g;
}

hoard::GpuDevice vulkanGpu(uint64_t free_bytes = 15'000'000'000ull) {
    hoard::GpuDevice g;
    g.backend = "vulkan";
    g.name = "AMD Radeon RX 7800 XT (RADV NAVI32)";
    g.total_bytes = 16'000'000'000ull;
    g.free_bytes = free_bytes;
    g.detail = "discrete · Vulkan 1.3 · radv Mesa 23.2.1 · PCI 0000:03:00.0";
    g.usable_by_hoard = false;
    return g;
}

// The app's probe set-up (GPUs through the hook, then the host), with a
// source that hands out `listing` and counts its calls.
std::shared_ptr<CompositeDeviceProbe> appProbe(GpuListing listing, int* calls = nullptr,
                                               std::vector<bool>* refreshes = nullptr) {
    auto probe = std::make_shared<CompositeDeviceProbe>();
    probe->add(std::make_unique<GpuDeviceProbe>([=](bool refresh) {
        if (calls) ++*calls;
        if (refreshes) refreshes->push_back(refresh);
        return listing;
    }));
    probe->add(std::make_unique<FixedProbe>(std::vector<DeviceInfo>{host()}));
    return probe;
}

QVariant role(const DeviceListModel& list, int row, DeviceListModel::Role r) {
    return list.data(list.index(row), r);
}

// Every Label-like item's text under `item`, delegates included.
QStringList textsUnder(QQuickItem* item) {
    QStringList texts;
    const QVariant text = item->property("text");
    if (text.isValid() && !text.toString().isEmpty() && item->isVisible()) texts << text.toString();
    for (QQuickItem* child : item->childItems()) texts << textsUnder(child);
    return texts;
}

int colourCount(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 5)
        for (int x = 0; x < image.width(); x += 5) colours.insert(image.pixel(x, y));
    return int(colours.size());
}

} // namespace

class DevicesTest : public QObject {
    Q_OBJECT

    Theme theme_{true};
    QQmlEngine qml_;
    const QString shots_ = QStringLiteral(HOARD_SCREENSHOT_DIR "/devices");

    // The Devices card as the Budget screen shows it, drawn for `budget`;
    // returns what it says, and saves it as <name>.png.
    QStringList drawCard(BudgetController& budget, const QString& name) {
        QQmlComponent component(&qml_);
        component.setData(R"(
            import QtQuick
            import Hoard
            Window {
                id: window
                required property Theme theme
                required property BudgetController budget
                width: 380; height: 560; visible: true
                color: theme.background
                DeviceList {
                    objectName: "deviceCard"
                    x: 20; y: 20; width: 340
                    theme: window.theme
                    budget: window.budget
                }
            })",
                          QUrl(QStringLiteral("file:///devices_card_test.qml")));
        std::unique_ptr<QObject> root(component.createWithInitialProperties(
            {{"theme", QVariant::fromValue(&theme_)}, {"budget", QVariant::fromValue(&budget)}}));
        if (!root) {
            qWarning() << component.errors();
            return {};
        }
        auto* window = qobject_cast<QQuickWindow*>(root.get());
        if (!window || !QTest::qWaitForWindowExposed(window)) {
            qWarning("the window was not shown");
            return {};
        }
        QTest::qWait(200); // layouts settle
        auto* card = window->findChild<QQuickItem*>("deviceCard");
        if (!card || card->height() <= 0) {
            qWarning("no card, or an empty one");
            return {};
        }
        const QImage image = window->grabWindow();
        if (image.isNull() || colourCount(image) < 6) {
            qWarning("the window looks blank");
            return {};
        }
        QDir().mkpath(shots_);
        if (!image.save(shots_ + "/" + name + ".png")) {
            qWarning("%s could not be saved", qPrintable(name));
            return {};
        }
        return textsUnder(card);
    }

  private slots:
    void initTestCase() {
        setUpRendering(); // as the app does
        qml_.addImportPath(QStringLiteral("qrc:/qt/qml"));
    }

    void gpuProbeConvertsTheEngineList() {
        int calls = 0;
        std::vector<bool> refreshes;
        GpuDeviceProbe probe([&](bool refresh) {
            ++calls;
            refreshes.push_back(refresh);
            return GpuListing{{cudaGpu(), vulkanGpu(0)}, ""};
        });
        const auto devices = probe.probe();
        QCOMPARE(devices.size(), size_t(2));
        QCOMPARE(devices[0].kind, DeviceInfo::Kind::Gpu);
        QCOMPARE(devices[0].name, QString("NVIDIA GeForce RTX 4070"));
        QCOMPARE(devices[0].api, QString("CUDA"));
        QCOMPARE(devices[0].totalBytes, uint64_t(12'000'000'000ull));
        QCOMPARE(devices[0].freeBytes, uint64_t(10'800'000'000ull));
        QCOMPARE(devices[0].memoryBytesPerSecond, 504e9);
        QVERIFY(devices[0].usable);
        QVERIFY(devices[0].detail.contains("compute 8.9"));
        QCOMPARE(devices[1].api, QString("Vulkan"));
        QVERIFY(!devices[1].usable);
        QCOMPARE(devices[1].freeBytes, uint64_t(0));
        QVERIFY(probe.notes().isEmpty());
        // The first probe takes the engine's cached list; later ones ask it to look again.
        probe.probe();
        QCOMPARE(calls, 2);
        QCOMPARE(refreshes, (std::vector<bool>{false, true}));

        // A driver saying more is free than there is does not get through.
        hoard::GpuDevice odd = cudaGpu();
        odd.free_bytes = odd.total_bytes * 2;
        QCOMPARE(toDeviceInfo(odd).freeBytes, odd.total_bytes);
    }

    void aFailingSourceIsReportedNotThrown() {
        GpuDeviceProbe probe([](bool) -> GpuListing { throw std::runtime_error("driver hung"); });
        QVERIFY(probe.probe().empty());
        QVERIFY2(probe.notes().contains("driver hung"), qPrintable(probe.notes()));
        CompositeDeviceProbe all;
        all.add(std::make_unique<GpuDeviceProbe>([](bool) {
            return GpuListing{{}, "CUDA: no NVIDIA driver"};
        }));
        all.add(std::make_unique<FixedProbe>(std::vector<DeviceInfo>{host()}));
        QCOMPARE(all.probe().size(), size_t(1));
        QCOMPARE(all.notes(), QString("CUDA: no NVIDIA driver"));
    }

    void plansForTheCudaGpuAndListsVulkanOnes() {
        EstimateBudgetPredictor predictor;
        // Vulkan first from the source: the list still puts the CUDA GPU first.
        auto probe = appProbe(GpuListing{{vulkanGpu(), cudaGpu()}, ""});
        BudgetController budget(predictor, *probe);
        QAbstractItemModelTester tester(budget.devices(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(!budget.probing());
        const DeviceListModel& list = *budget.devices();
        QCOMPARE(list.rowCount(), 3);
        QCOMPARE(list.gpuCount(), size_t(2));
        QCOMPARE(role(list, 0, DeviceListModel::NameRole).toString(),
                 QString("NVIDIA GeForce RTX 4070"));
        QCOMPARE(role(list, 1, DeviceListModel::ApiRole).toString(), QString("Vulkan"));
        QCOMPARE(role(list, 2, DeviceListModel::NameRole).toString(), host().name);
        QVERIFY(role(list, 0, DeviceListModel::UsableRole).toBool());
        QVERIFY(!role(list, 1, DeviceListModel::UsableRole).toBool());
        QCOMPARE(role(list, 0, DeviceListModel::MemoryTextRole).toString(),
                 QString("10.8 GB free of 12.0 GB"));
        QCOMPARE(role(list, 0, DeviceListModel::StatusRole).toString(),
                 QString("Hoard computes on this GPU"));
        QCOMPARE(role(list, 1, DeviceListModel::StatusRole).toString(),
                 QString("Detected — Hoard computes on CUDA or the CPU for now"));
        QVERIFY(role(list, 2, DeviceListModel::StatusRole).toString().isEmpty());
        QVERIFY(role(list, 1, DeviceListModel::DetailRole).toString().contains("radv"));
        QCOMPARE(role(list, 0, DeviceListModel::BandwidthRole).toString(), QString("504.0 GB/s"));

        // Plans are for the CUDA GPU: its memory, its bandwidth, 90% of its free memory.
        QVERIFY(budget.hasGpu());
        QVERIFY(budget.devicesNote().isEmpty());
        QVERIFY(budget.targetName().startsWith("NVIDIA GeForce RTX 4070"));
        QCOMPARE(budget.maxBudgetGB(), 12.0);
        budget.setModel(hoard::gui::test::fakeSummary("M", 32), "M");
        QVERIFY(std::abs(budget.budgetGB() - 9.72) < 0.07); // rounded to a slider step
        QCOMPARE(budget.query().deviceBytesPerSecond, 504e9);
        QTRY_VERIFY(!budget.computing());

        const QStringList texts = drawCard(budget, "cuda-and-vulkan");
        QVERIFY2(!texts.isEmpty(), "the card was not drawn");
        QVERIFY2(texts.contains("10.8 GB free of 12.0 GB · reads 504.0 GB/s"),
                 qPrintable(texts.join(" | ")));
        QVERIFY(texts.contains("Detected — Hoard computes on CUDA or the CPU for now"));
        QVERIFY(texts.contains("15.0 GB free of 16.0 GB"));
    }

    void aVulkanOnlyMachinePlansForAReferenceCard() {
        EstimateBudgetPredictor predictor;
        auto probe = appProbe(GpuListing{{vulkanGpu(0)}, "CUDA: this Hoard is built without CUDA"});
        BudgetController budget(predictor, *probe);
        QTRY_VERIFY(!budget.probing());
        QCOMPARE(budget.devices()->gpuCount(), size_t(1));
        QVERIFY(!budget.hasGpu());
        QVERIFY(budget.targetName().contains("reference"));
        QVERIFY2(budget.devicesNote().contains("Vulkan"), qPrintable(budget.devicesNote()));
        // The driver did not say what is free: no made-up figure, no usage bar.
        const DeviceListModel& list = *budget.devices();
        QCOMPARE(role(list, 0, DeviceListModel::MemoryTextRole).toString(),
                 QString("16.0 GB · free memory not reported"));
        QVERIFY(!role(list, 0, DeviceListModel::FreeKnownRole).toBool());
        QCOMPARE(role(list, 0, DeviceListModel::UsedFractionRole).toDouble(), 0.0);
        const QStringList texts = drawCard(budget, "vulkan-only");
        QVERIFY2(texts.contains("16.0 GB · free memory not reported"),
                 qPrintable(texts.join(" | ")));
        QVERIFY(texts.contains(budget.devicesNote()));
    }

    void withoutAGpuTheCardSaysWhy() {
        EstimateBudgetPredictor predictor;
        auto probe = appProbe(GpuListing{
            {}, "CUDA: no NVIDIA driver (libcuda.so.1 was not found); Vulkan: no Vulkan loader"});
        BudgetController budget(predictor, *probe);
        QTRY_VERIFY(!budget.probing());
        QVERIFY(!budget.hasGpu());
        QCOMPARE(budget.devices()->gpuCount(), size_t(0));
        QVERIFY(budget.devicesNote().startsWith("No GPU detected"));
        QVERIFY(budget.devicesNote().contains("no NVIDIA driver"));
        QVERIFY(budget.devicesNote().contains("no Vulkan loader"));
        QCOMPARE(budget.devices()->rowCount(), 1); // the CPU and its memory
    }

    void theRealProbeIsQuickAndSafe() {
        // hoard::list_gpus on this machine, twice, through the app's own probe set-up.
        GpuDeviceProbe probe;
        QElapsedTimer timer;
        timer.start();
        const auto first = probe.probe();
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString("%1 ms").arg(timer.elapsed())));
        timer.restart();
        const auto second = probe.probe();
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString("%1 ms").arg(timer.elapsed())));
        QCOMPARE(second.size(), first.size());
        for (const DeviceInfo& d : second) {
            QCOMPARE(d.kind, DeviceInfo::Kind::Gpu);
            QVERIFY(!d.name.isEmpty());
            QVERIFY(d.freeBytes <= d.totalBytes);
            QVERIFY(d.api == "CUDA" || d.api == "Vulkan");
            QCOMPARE(d.usable, d.api == "CUDA");
        }
        if (second.empty()) QVERIFY(!probe.notes().isEmpty());
        qInfo("%zu GPU(s); %s", second.size(), qPrintable(probe.notes()));

        // And the card the app shows for this machine.
        EstimateBudgetPredictor predictor;
        CompositeDeviceProbe all;
        all.add(std::make_unique<GpuDeviceProbe>());
        all.add(std::make_unique<HostDeviceProbe>(false));
        BudgetController budget(predictor, all);
        QTRY_VERIFY(!budget.probing());
        QCOMPARE(budget.devices()->rowCount(), int(second.size()) + 1);
        if (second.empty()) QVERIFY(budget.devicesNote().contains(probe.notes()));
        const QStringList texts = drawCard(budget, "this-machine");
        QVERIFY2(!texts.isEmpty(), "the card was not drawn");
        if (!budget.devicesNote().isEmpty()) QVERIFY(texts.contains(budget.devicesNote()));
    }
};

QTEST_MAIN(DevicesTest)
#include "test_gui_devices.moc"
