// The Budget planner's C++ side: device probing, the device list, the
// estimate predictor, and the controller (only the newest request is
// predicted while the slider moves; breakdown; measured figures).
#include "budget/budget_controller.hpp"
#include "budget/budget_predictor.hpp"
#include "budget/device_list_model.hpp"
#include "budget/device_probe.hpp"
#include "gui/common/gui_test_support.hpp"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <condition_variable>
#include <mutex>

using namespace hoard::gui;

namespace {

class FixedProbe : public DeviceProbe {
  public:
    explicit FixedProbe(std::vector<DeviceInfo> devices) : devices_(std::move(devices)) {}
    std::vector<DeviceInfo> probe() override { return devices_; }

  private:
    std::vector<DeviceInfo> devices_;
};

DeviceInfo gpu(const QString& name, uint64_t total, uint64_t free) {
    DeviceInfo d;
    d.kind = DeviceInfo::Kind::Gpu;
    d.name = name;
    d.api = "CUDA";
    d.totalBytes = total;
    d.freeBytes = free;
    d.memoryBytesPerSecond = 500e9;
    d.linkBytesPerSecond = 25e9;
    return d;
}

DeviceInfo host() {
    DeviceInfo d;
    d.name = "Test CPU";
    d.totalBytes = 64'000'000'000ull;
    d.freeBytes = 40'000'000'000ull;
    d.memoryBytesPerSecond = 50e9;
    return d;
}

// Holds every prediction until released, recording what it was asked.
class GatedPredictor : public BudgetPredictor {
  public:
    BudgetPrediction predict(const hoard::ModelSummary& m, const BudgetQuery& q,
                             const std::atomic<bool>& cancel) override {
        {
            std::unique_lock lock(mutex);
            asked.push_back(q.deviceBytes);
            wake.wait(lock, [&] { return open || cancel.load(); });
        }
        return estimate.predict(m, q, cancel);
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        wake.notify_all();
    }
    size_t calls() {
        std::lock_guard lock(mutex);
        return asked.size();
    }
    std::mutex mutex;
    std::condition_variable wake;
    bool open = false;
    std::vector<uint64_t> asked;
    EstimateBudgetPredictor estimate;
};

} // namespace

class BudgetTest : public QObject {
    Q_OBJECT

  private slots:
    void parsesProcFiles() {
        const MemInfo m = parseMemInfo("MemTotal:       16384 kB\nMemFree:  100 kB\n"
                                       "MemAvailable:    8192 kB\nbroken line\n");
        QCOMPARE(m.totalBytes, uint64_t(16384) * 1024);
        QCOMPARE(m.availableBytes, uint64_t(8192) * 1024);
        QCOMPARE(parseCpuName("processor : 0\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\n"),
                 QString("AMD Ryzen 9 7950X 16-Core Processor"));
        QCOMPARE(parseCpuName("nothing here"), QString());
    }

    void hostProbeReportsSystemMemory() {
        HostDeviceProbe probe(false);
        const auto devices = probe.probe();
        QCOMPARE(devices.size(), size_t(1));
        QCOMPARE(devices[0].kind, DeviceInfo::Kind::Host);
        QVERIFY(devices[0].totalBytes > 0);
        QVERIFY(devices[0].freeBytes <= devices[0].totalBytes);
        QVERIFY(!devices[0].name.isEmpty());
        CompositeDeviceProbe all;
        all.add(std::make_unique<FixedProbe>(std::vector<DeviceInfo>{gpu("GPU", 8, 4)}));
        all.add(std::make_unique<HostDeviceProbe>(false));
        QCOMPARE(all.probe().size(), size_t(2));
    }

    void deviceListPutsGpusFirst() {
        DeviceListModel list;
        QAbstractItemModelTester tester(&list,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        list.setDevices({host(), gpu("RTX A", 12'000'000'000ull, 9'000'000'000ull),
                         gpu("RTX B", 8'000'000'000ull, 2'000'000'000ull)});
        QCOMPARE(list.rowCount(), 3);
        QCOMPARE(list.data(list.index(0), DeviceListModel::NameRole).toString(), QString("RTX A"));
        QCOMPARE(list.data(list.index(2), DeviceListModel::NameRole).toString(),
                 QString("Test CPU"));
        QCOMPARE(list.data(list.index(1), DeviceListModel::UsedFractionRole).toDouble(), 0.75);
        QCOMPARE(list.data(list.index(0), DeviceListModel::TotalRole).toString(),
                 QString("12.0 GB"));
        QCOMPARE(list.firstGpu()->name, QString("RTX A"));
        QCOMPARE(list.host()->name, QString("Test CPU"));
    }

    void estimateDividesTheBudget() {
        const hoard::ModelSummary m = hoard::gui::test::fakeSummary("M", 32);
        EstimateBudgetPredictor predictor;
        std::atomic<bool> cancel{false};
        BudgetQuery q;
        q.contextTokens = 4096;
        q.hostBytesPerSecond = 50e9;

        q.deviceBytes = 1'000'000'000ull; // less than the shared weights
        const BudgetPrediction small = predictor.predict(m, q, cancel);
        QVERIFY(!small.fits);
        QVERIFY2(small.problem.contains("at least"), qPrintable(small.problem));
        QCOMPARE(small.kvCacheBytes, uint64_t(4096) * 32 * 4096);
        QVERIFY(small.hostOnlyTokensPerSecond > 0);

        double last_hit = -1, last_tps = -1;
        for (uint64_t gb : {4, 8, 12, 16, 24}) {
            q.deviceBytes = gb * 1'000'000'000ull;
            const BudgetPrediction p = predictor.predict(m, q, cancel);
            QVERIFY2(p.fits, qPrintable(p.problem));
            // The parts add up to the budget.
            QCOMPARE(p.nonExpertBytes + p.kvCacheBytes + p.workspaceBytes + p.highExpertBytes +
                         p.lowExpertBytes + p.headroomBytes,
                     q.deviceBytes);
            QCOMPARE(p.totalExperts, size_t(32 * 8));
            QVERIFY(p.highSlots + p.lowSlots <= p.totalExperts);
            QVERIFY(p.lowSlots > 0 || p.highSlots == p.totalExperts);
            // More budget never hurts.
            QVERIFY(p.hitRate >= last_hit);
            QVERIFY(p.tokensPerSecond >= last_tps);
            last_hit = p.hitRate;
            last_tps = p.tokensPerSecond;
        }
        // The whole model fits: every expert resident at high precision.
        q.deviceBytes = 40'000'000'000ull;
        const BudgetPrediction all = predictor.predict(m, q, cancel);
        QCOMPARE(all.highSlots, all.totalExperts);
        QCOMPARE(all.lowSlots, size_t(0));
        QCOMPARE(all.hitRate, 1.0);
        // Without low-precision copies, fewer experts fit in the same budget.
        q.deviceBytes = 8'000'000'000ull;
        const BudgetPrediction mixed = predictor.predict(m, q, cancel);
        q.lowPrecision = false;
        const BudgetPrediction high_only = predictor.predict(m, q, cancel);
        QCOMPARE(high_only.lowSlots, size_t(0));
        QVERIFY(high_only.highSlots + high_only.lowSlots < mixed.highSlots + mixed.lowSlots);
    }

    void controllerPredictsOnlyTheNewestBudget() {
        GatedPredictor predictor;
        FixedProbe probe({host(), gpu("RTX", 24'000'000'000ull, 20'000'000'000ull)});
        BudgetController budget(predictor, probe);
        QTRY_VERIFY(!budget.probing());
        QVERIFY(budget.hasGpu());
        QCOMPARE(budget.maxBudgetGB(), 24.0);
        QVERIFY(budget.targetName().startsWith("RTX"));
        QVERIFY(!budget.hasModel());
        QVERIFY(budget.breakdown().isEmpty());

        QSignalSpy predicted(&budget, &BudgetController::predictionChanged);
        budget.setModel(hoard::gui::test::fakeSummary("M", 32), "M");
        QVERIFY(budget.hasModel());
        QCOMPARE(budget.budgetGB(), 18.0); // 90% of the free VRAM
        QTRY_COMPARE(predictor.calls(), size_t(1));
        QVERIFY(budget.computing());
        // The slider moves while the first prediction runs: only the last value follows.
        for (double gb : {10.0, 11.0, 12.0, 13.0}) budget.setBudgetGB(gb);
        predictor.release();
        QTRY_VERIFY(!budget.computing());
        QCOMPARE(predictor.calls(), size_t(2));
        QCOMPARE(predictor.asked.back(), uint64_t(13'000'000'000ull));
        QCOMPARE(budget.prediction().deviceBytes, uint64_t(13'000'000'000ull));
        QVERIFY(budget.fits());
        double sum = 0;
        QStringList keys;
        for (const QVariant& v : budget.breakdown()) {
            sum += v.toMap()["fraction"].toDouble();
            keys << v.toMap()["key"].toString();
        }
        QCOMPARE(keys, (QStringList{"shared", "kv", "workspace", "high", "low", "headroom"}));
        QVERIFY(std::abs(sum - 1.0) < 1e-9);
        QVERIFY(budget.predictedHitRate() > 0 && budget.predictedHitRate() < 1);

        // Clamped to what the device has.
        budget.setBudgetGB(100);
        QCOMPARE(budget.budgetGB(), 24.0);
        budget.setContextTokens(100);
        QCOMPARE(budget.contextTokens(), 256);
        budget.setContextTokens(1 << 20);
        QCOMPARE(budget.contextTokens(), 4096); // the model's training context

        QSignalSpy measured(&budget, &BudgetController::measuredChanged);
        QVERIFY(!budget.hasMeasurement());
        budget.setMeasured(14.5, std::nan(""));
        QCOMPARE(measured.size(), 1);
        QVERIFY(budget.hasMeasurement());
        QCOMPARE(budget.measuredTokensPerSecond(), 14.5);

        budget.setModel(std::nullopt, {});
        QVERIFY(!budget.hasModel());
        QVERIFY(budget.breakdown().isEmpty());
    }

    void replayPredictsFromTheEnginePlanner() {
        std::shared_ptr<hoard::Engine> engine = std::make_shared<hoard::Engine>();
        const auto model = engine->load_model(hoard::gui::test::bundledModelPath().toStdString());
        const hoard::ModelSummary& m = model->summary();
        QTemporaryDir traces;
        ReplayBudgetPredictor predictor(traces.path().toStdString());
        std::atomic<bool> cancel{false};
        BudgetQuery q;
        q.modelPath = hoard::gui::test::bundledModelPath().toStdString();
        q.contextTokens = 1024;
        q.deviceBytes = 60ull << 20;
        const BudgetPrediction p = predictor.predict(m, q, cancel);
        QVERIFY2(p.fits, qPrintable(p.problem));
        QVERIFY(p.basis.contains("Replay") && p.basis.contains("synthetic"));
        QCOMPARE(p.layerHitRates.size(), m.n_layer);
        QCOMPARE(p.totalExperts, m.n_layer * m.n_expert);
        QVERIFY(p.hitRate > 0 && p.hitRate <= 1);
        QVERIFY(p.tokensPerSecond > 0);
        QCOMPARE(p.nonExpertBytes + p.kvCacheBytes + p.workspaceBytes + p.highExpertBytes +
                     p.lowExpertBytes + p.headroomBytes,
                 q.deviceBytes);
        // More budget: at least as many hits.
        q.deviceBytes = 90ull << 20;
        QVERIFY(predictor.predict(m, q, cancel).hitRate >= p.hitRate);
        // Too small: the planner says what is needed.
        q.deviceBytes = 2ull << 20;
        const BudgetPrediction small = predictor.predict(m, q, cancel);
        QVERIFY(!small.fits);
        QVERIFY(!small.problem.isEmpty());
        // A recorded trace of this model is picked up (and noticed when it changes).
        QDir().mkpath(traces.path());
        model->start_routing_trace();
        model->evaluate(model->tokenize("Routing for the planner to replay", true, false));
        model->stop_routing_trace(
            QDir(traces.path()).filePath("hoard-tiny-moe.gguf.routing.jsonl").toStdString());
        q.deviceBytes = 60ull << 20;
        const BudgetPrediction recorded = predictor.predict(m, q, cancel);
        QVERIFY2(recorded.basis.contains("recorded"), qPrintable(recorded.basis));
        QCOMPARE(predictor.traceCandidates(q.modelPath).size(), size_t(2));
        // A file the planner cannot read falls back to the estimate.
        q.modelPath = "/nonexistent/model.gguf";
        QVERIFY(predictor.predict(m, q, cancel).basis.contains("Estimate"));
    }

    void withoutAGpuThePlanIsForAReferenceCard() {
        EstimateBudgetPredictor predictor;
        FixedProbe probe({host()});
        BudgetController budget(predictor, probe);
        QTRY_VERIFY(!budget.probing());
        QVERIFY(!budget.hasGpu());
        QVERIFY(budget.targetName().contains("reference"));
        const auto m = hoard::gui::test::fakeSummary("M", 32);
        budget.setModel(m, "M");
        // The slider covers the whole model; the default leaves offloading work to do.
        QVERIFY(std::abs(budget.maxBudgetGB() - double(m.memory_bytes) * 1.25 / 1e9) < 1e-6);
        QVERIFY(budget.budgetGB() < double(m.memory_bytes) / 1e9);
        QTRY_VERIFY(!budget.computing());
        QVERIFY(budget.fits());
        QVERIFY(budget.hostOnlyTokensPerSecond() > 0);
        QVERIFY(budget.basis().contains("Estimate"));
        budget.setLowPrecision(false);
        QTRY_VERIFY(!budget.computing());
        QCOMPARE(budget.lowSlots(), 0);
    }
};

QTEST_MAIN(BudgetTest)
#include "test_gui_budget.moc"
