// Telemetry on its way to the dashboard: the feed (any thread → GUI thread,
// in order), the series the charts draw, the dashboard controller, and the
// synthetic source.
#include "telemetry/dashboard_controller.hpp"
#include "telemetry/offload_window.hpp"
#include "telemetry/synthetic_telemetry.hpp"
#include "telemetry/telemetry_feed.hpp"
#include "telemetry/telemetry_series.hpp"

#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <thread>

using namespace hoard::gui;

class TelemetryTest : public QObject {
    Q_OBJECT

    static TelemetrySnapshot snapshot(uint64_t sequence, std::vector<double> layers,
                                      double tps = 10) {
        TelemetrySnapshot s;
        s.sequence = sequence;
        s.tokensPerSecond = tps;
        s.hasExpertStats = !layers.empty();
        s.layerHitRates = std::move(layers);
        double sum = 0;
        for (double v : s.layerHitRates) sum += v;
        s.hitRate = s.layerHitRates.empty() ? 0 : sum / double(s.layerHitRates.size());
        s.highFraction = 0.5;
        s.lowFraction = 0.3;
        s.cpuFraction = 0.2;
        s.hostToDeviceBytesPerSecond = 2e9 * double(sequence);
        s.generatedTokens = sequence * 3;
        return s;
    }

  private slots:
    void feedDeliversOnTheGuiThreadInOrder() {
        TelemetryFeed feed;
        QSignalSpy started(&feed, &TelemetryFeed::generationStarted);
        QSignalSpy arrived(&feed, &TelemetryFeed::snapshotArrived);
        QSignalSpy finished(&feed, &TelemetryFeed::generationFinished);
        QList<Qt::HANDLE> threads;
        connect(&feed, &TelemetryFeed::snapshotArrived, this,
                [&](const TelemetrySnapshot&) { threads << QThread::currentThreadId(); });
        std::thread producer([&] {
            feed.beginGeneration("m", "/m.gguf");
            for (uint64_t i = 1; i <= 50; ++i) feed.publish(snapshot(i, {0.5}));
            GenerationRecord r;
            r.generatedTokens = 150;
            feed.endGeneration(r);
        });
        producer.join();
        QCOMPARE(arrived.size(), 0); // nothing is delivered on the producer's thread
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(started.size(), 1);
        QCOMPARE(arrived.size(), 50);
        for (int i = 0; i < 50; ++i)
            QCOMPARE(arrived[i][0].value<TelemetrySnapshot>().sequence, uint64_t(i + 1));
        for (auto t : threads) QCOMPARE(t, QThread::currentThreadId());
        QCOMPARE(finished[0][0].value<GenerationRecord>().generatedTokens, uint64_t(150));
    }

    void seriesLaysOutTheHeatmapFromTheRight() {
        TelemetrySeries series(4);
        QVERIFY(series.fixedWindow());
        series.append(snapshot(1, {0.1, 0.2, 0.3}));
        series.append(snapshot(2, {0.4, 0.5, 0.6}));
        QCOMPARE(series.layers(), 3);
        QCOMPARE(series.length(), 2);
        QCOMPARE(series.heatmapColumns(), 4);
        const QList<qreal> cells = series.heatmap();
        QCOMPARE(cells.size(), 12);
        // Row = layer, column = time; the two snapshots fill the last two columns.
        QVERIFY(std::isnan(cells[0]) && std::isnan(cells[1]));
        QCOMPARE(cells[2], 0.1);
        QCOMPARE(cells[3], 0.4);
        QCOMPARE(cells[2 * 4 + 2], 0.3);
        QCOMPARE(cells[2 * 4 + 3], 0.6);
        QCOMPARE(series.layerHitRates(), (QList<qreal>{0.4, 0.5, 0.6}));
        // Past its capacity the window drops its oldest snapshot.
        for (uint64_t i = 3; i <= 6; ++i) series.append(snapshot(i, {0.9, 0.9, 0.9}));
        QCOMPARE(series.length(), 4);
        QCOMPARE(series.tokensPerSecondSeries().size(), 4);
        QCOMPARE(series.linkSeries().first(), 6.0); // snapshot 3: 6 GB/s
        QCOMPARE(series.generatedTokens(), qint64(18));
        const QVariantList mix = series.precisionSeries();
        QCOMPARE(mix.size(), 4);
        QCOMPARE(mix[0].value<QList<qreal>>().size(), 4);
        QCOMPARE(mix[2].value<QList<qreal>>().first(), 0.2);
        QCOMPARE(series.hitRate(), 0.9);
    }

    void seriesWithoutExpertStatsSaysSo() {
        TelemetrySeries series(10);
        TelemetrySnapshot first = snapshot(1, {});
        first.tokensPerSecond = std::nan("");
        series.append(first);
        series.append(snapshot(2, {}, 12.0));
        QVERIFY(!series.hasExpertStats());
        QVERIFY(std::isnan(series.hitRate()));
        QVERIFY(std::isnan(series.meanHitRate()));
        QVERIFY(series.precisionSeries().isEmpty());
        QCOMPARE(series.layers(), 0);
        QVERIFY(series.heatmap().isEmpty());
        QCOMPARE(series.tokensPerSecond(), 12.0);
        QCOMPARE(series.meanTokensPerSecond(), 12.0); // the unknown first rate is left out
        QVERIFY(!series.hasFidelity());
        series.clear();
        QCOMPARE(series.length(), 0);
        QCOMPARE(series.tokensPerSecond(), 0.0);
    }

    void recordingsAreThinnedEvenly() {
        TelemetrySeries recorded(10, false);
        const auto run = syntheticRun(100, 4);
        recorded.assign(run);
        QCOMPARE(recorded.length(), 10);
        QCOMPARE(recorded.heatmapColumns(), 10);
        QCOMPARE(recorded.window().front().sequence, uint64_t(1));
        QCOMPARE(recorded.window().back().sequence, uint64_t(100));
        QCOMPARE(recorded.heatmap().size(), 40);
        for (double v : recorded.heatmap()) QVERIFY(std::isfinite(v));
    }

    void seriesRefusesAbsurdLayerCounts() {
        TelemetrySeries series(2);
        series.append(snapshot(1, std::vector<double>(100000, 0.5)));
        QCOMPARE(series.layers(), 1024);
        QCOMPARE(series.heatmap().size(), 1024 * 2);
    }

    void syntheticSnapshotsArePlausibleAndRepeatable() {
        const auto a = syntheticSnapshot(42, 8, 3);
        const auto b = syntheticSnapshot(42, 8, 3);
        QCOMPARE(a.layerHitRates, b.layerHitRates);
        QCOMPARE(a.layerHitRates.size(), size_t(8));
        for (const auto& s : syntheticRun(200, 8)) {
            for (double v : s.layerHitRates) QVERIFY(v >= 0 && v <= 1);
            const double shares = s.highFraction + s.lowFraction + s.cpuFraction + s.skipFraction;
            QVERIFY2(shares > 0.99 && shares < 1.01, qPrintable(QString::number(shares)));
            QVERIFY(s.tokensPerSecond >= 0);
            QVERIFY(s.fidelity && *s.fidelity > 0.9);
        }
    }

    void offloadCountersBecomeAWindow() {
        hoard::OffloadCounters before, after;
        before.actions = {10, 5, 3, 2, 1, 0};
        before.layer_requests = {10, 11};
        before.layer_hits = {8, 7};
        before.bytes_to_device_high = 1000;
        after = before;
        // 20 more decisions: 8 hit high, 4 hit low, 2 load high, 2 load low, 4 on the CPU.
        after.actions = {18, 9, 5, 4, 5, 0};
        after.layer_requests = {20, 11, 5}; // layer 1 idle; layer 2 new
        after.layer_hits = {14, 7, 5};
        after.bytes_to_device_high = 1000 + 4000;
        after.bytes_prefetched = 1000;
        TelemetrySnapshot s;
        fillOffloadWindow(s, before, after, 0.5);
        QVERIFY(s.hasExpertStats);
        QCOMPARE(s.hitRate, 12.0 / 20.0);
        QCOMPARE(s.highFraction, 10.0 / 20.0);
        QCOMPARE(s.lowFraction, 6.0 / 20.0);
        QCOMPARE(s.cpuFraction, 4.0 / 20.0);
        QCOMPARE(s.skipFraction, 0.0);
        QCOMPARE(s.cpuExperts, uint64_t(4));
        QCOMPARE(s.hostToDeviceBytesPerSecond, 5000.0 / 0.5);
        QCOMPARE(s.layerHitRates.size(), size_t(3));
        QCOMPARE(s.layerHitRates[0], 0.6);
        QVERIFY(std::isnan(s.layerHitRates[1])); // nothing selected there in the window
        QCOMPARE(s.layerHitRates[2], 1.0);
        // Nothing happened: no expert figures.
        TelemetrySnapshot idle;
        fillOffloadWindow(idle, after, after, 0.1);
        QVERIFY(!idle.hasExpertStats);
        // Counters that went backwards (a reloaded model) count as nothing, not as huge numbers.
        TelemetrySnapshot reloaded;
        fillOffloadWindow(reloaded, after, before, 0.1);
        QVERIFY(!reloaded.hasExpertStats);
        const OffloadReplySummary reply = summarizeOffload(before, after);
        QCOMPARE(reply.requests, uint64_t(20));
        QCOMPARE(reply.hitRate, 0.6);
        QCOMPARE(reply.bytesToDevice, uint64_t(5000));
    }

    void dashboardFollowsTheFeed() {
        TelemetryFeed feed;
        DashboardController dashboard(feed, 20);
        QSignalSpy generating(&dashboard, &DashboardController::generatingChanged);
        feed.beginGeneration("Tiny", "/tiny.gguf");
        QVERIFY(generating.wait(2000));
        QVERIFY(dashboard.generating());
        QCOMPARE(dashboard.modelName(), QString("Tiny"));
        SyntheticTelemetrySource source(6, std::chrono::milliseconds(5));
        source.start(feed);
        QTRY_VERIFY(dashboard.snapshotCount() >= 30);
        source.stop();
        QCoreApplication::processEvents(); // deliver what was queued before stop() returned
        const qint64 after_stop = dashboard.snapshotCount();
        QTest::qWait(50);
        QCOMPARE(dashboard.snapshotCount(), after_stop); // nothing is published after stop()
        QCOMPARE(dashboard.series()->length(), 20);
        QCOMPARE(dashboard.series()->layers(), 6);
        QVERIFY(dashboard.series()->hasExpertStats());
        GenerationRecord record;
        record.tokensPerSecond = 12.5;
        record.timeToFirstToken = 0.2;
        feed.endGeneration(record);
        QTRY_VERIFY(!dashboard.generating());
        QCOMPARE(dashboard.lastTokensPerSecond(), 12.5);
        dashboard.clear();
        QCOMPARE(dashboard.series()->length(), 0);
        QCOMPARE(dashboard.snapshotCount(), qint64(0));
    }
};

QTEST_MAIN(TelemetryTest)
#include "test_gui_telemetry.moc"
