// The Sessions screen's C++ side: the in-memory archive and its exports, the
// recorder that fills it from the feed, the list model and the controller
// (open, compare, export).
#include "sessions/memory_session_archive.hpp"
#include "sessions/profile_session_archive.hpp"
#include "sessions/session_list_model.hpp"
#include "sessions/session_recorder.hpp"
#include "sessions/sessions_controller.hpp"
#include "telemetry/synthetic_telemetry.hpp"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace hoard::gui;

class SessionsTest : public QObject {
    Q_OBJECT

    static GenerationRecord record(uint64_t tokens, double tps) {
        GenerationRecord r;
        r.promptTokens = 11;
        r.generatedTokens = tokens;
        r.tokensPerSecond = tps;
        r.timeToFirstToken = 0.05;
        r.seconds = 2.0;
        r.stopReason = "end of generation";
        return r;
    }

    static qint64 recordRun(MemorySessionArchive& archive, size_t snapshots, uint64_t seed) {
        const qint64 id = archive.begin("Tiny", "/tiny.gguf");
        for (const auto& s : syntheticRun(snapshots, 6, seed)) archive.append(id, s);
        archive.finish(id, record(snapshots * 2, 20.0 + double(seed)));
        return id;
    }

  private slots:
    void archiveRecordsAndSummarises() {
        MemorySessionArchive archive;
        const qint64 a = recordRun(archive, 30, 1);
        const qint64 b = archive.begin("Other", "/other.gguf");
        QCOMPARE(archive.sessions().size(), 2);
        QCOMPARE(archive.sessions().first().id, b); // newest first
        QCOMPARE(archive.sessions().first().status, QString("recording"));
        const auto rec = archive.recording(a);
        QVERIFY(rec);
        QCOMPARE(rec->snapshots.size(), size_t(30));
        QCOMPARE(rec->summary.status, QString("complete"));
        QCOMPARE(rec->summary.generatedTokens, uint64_t(60));
        QVERIFY(rec->summary.hasLayerStats);
        QVERIFY(rec->summary.hitRate && *rec->summary.hitRate > 0 && *rec->summary.hitRate < 1);
        GenerationRecord failed = record(0, 0);
        failed.error = "The prompt does not fit.";
        archive.finish(b, failed);
        QCOMPARE(archive.recording(b)->summary.status, QString("failed"));
        QVERIFY(!archive.recording(b)->summary.hitRate);
        QVERIFY(!archive.recording(999));
    }

    void longRecordingsStayBounded() {
        MemorySessionArchive archive(100);
        const qint64 id = archive.begin("Tiny", "/tiny.gguf");
        for (const auto& s : syntheticRun(1000, 2)) archive.append(id, s);
        const auto rec = archive.recording(id);
        QVERIFY(rec->snapshots.size() <= 100);
        QVERIFY(rec->snapshots.size() >= 50);
        QCOMPARE(rec->snapshots.front().sequence, uint64_t(1));
        QVERIFY(rec->snapshots.back().sequence > 900); // the end is still there
    }

    void exportsAsJsonAndCsv() {
        MemorySessionArchive archive;
        const qint64 id = recordRun(archive, 12, 2);
        QTemporaryDir dir;
        QCOMPARE(archive.exportSession(id, "json", dir.filePath("s.json")), QString());
        QFile json(dir.filePath("s.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(root["model_name"].toString(), QString("Tiny"));
        QCOMPARE(root["snapshots"].toArray().size(), 12);
        QCOMPARE(root["snapshots"].toArray()[0].toObject()["layer_hit_rates"].toArray().size(), 6);
        QCOMPARE(archive.exportSession(id, "csv", dir.filePath("s.csv")), QString());
        QFile csv(dir.filePath("s.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 13); // header + one row per snapshot
        QVERIFY(lines[0].startsWith("sequence,time_s,tokens_per_second"));
        QCOMPARE(lines[1].count(','), lines[0].count(','));
        QVERIFY(archive.exportSession(id, "parquet", dir.filePath("x")).contains("json"));
        QVERIFY(archive.exportSession(77, "json", dir.filePath("x")).contains("no longer"));
        QVERIFY(
            archive.exportSession(id, "json", "/nonexistent-dir/s.json").contains("Cannot write"));
    }

    void recorderMakesOneSessionPerReply() {
        TelemetryFeed feed;
        MemorySessionArchive archive;
        SessionRecorder recorder(feed, &archive);
        QSignalSpy changed(&recorder, &SessionRecorder::sessionsChanged);
        for (int reply = 0; reply < 2; ++reply) {
            feed.beginGeneration("Tiny", "/tiny.gguf");
            for (const auto& s : syntheticRun(5, 3, uint64_t(reply))) feed.publish(s);
            feed.endGeneration(record(10, 15));
        }
        QTRY_COMPARE(changed.size(), 4); // begin and end of each
        QCOMPARE(archive.sessions().size(), 2);
        for (const auto& s : archive.sessions()) {
            QCOMPARE(s.status, QString("complete"));
            QCOMPARE(archive.recording(s.id)->snapshots.size(), size_t(5));
        }
        QCOMPARE(recorder.recordingId(), qint64(0));
    }

    void listModelShowsSessions() {
        MemorySessionArchive archive;
        recordRun(archive, 5, 1);
        recordRun(archive, 5, 2);
        SessionListModel list;
        QAbstractItemModelTester tester(&list,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        list.setSessions(archive.sessions());
        QCOMPARE(list.rowCount(), 2);
        const QModelIndex first = list.index(0);
        QCOMPARE(list.data(first, SessionListModel::SpeedRole).toString(), QString("22.0 tok/s"));
        QCOMPARE(list.data(first, SessionListModel::TokensRole).toString(),
                 QString("11 in · 10 out"));
        QVERIFY(list.data(first, SessionListModel::HitRateRole).toString().endsWith("%"));
        QVERIFY(list.data(first, SessionListModel::HasLayerStatsRole).toBool());
        const QVariantMap described = list.describe(list.idAt(0));
        QCOMPARE(described["modelName"].toString(), QString("Tiny"));
        QCOMPARE(described["timeToFirstToken"].toString(), QString("50 ms"));
        QVERIFY(list.describe(999).isEmpty());
    }

    void windowsBecomeSnapshots() {
        // Two windows of two layers; three decode steps end in the second.
        std::vector<hoard::RecordedLayerWindow> windows;
        auto window = [&](uint64_t index, uint32_t layer, double t0, double t1, uint64_t hits,
                          uint64_t misses) {
            hoard::RecordedLayerWindow w;
            w.window_index = index;
            w.layer = layer;
            w.t_start = t0;
            w.t_end = t1;
            w.activity.hit_high = hits;
            w.activity.load_low = misses;
            w.activity.bytes_host_to_device = misses * 1000;
            windows.push_back(w);
        };
        window(0, 0, 0.0, 0.5, 4, 4);
        window(0, 1, 0.0, 0.5, 8, 0);
        window(1, 0, 0.5, 1.0, 6, 2);
        window(1, 1, 0.5, 1.0, 0, 0);    // nothing selected in layer 1
        window(1, 5000, 0.5, 1.0, 1, 1); // a damaged row past any real layer
        std::vector<hoard::RecordedPass> passes;
        auto pass = [&](double t0, double t1, bool prefill, uint32_t n) {
            hoard::RecordedPass p;
            p.t_start = t0;
            p.t_end = t1;
            p.prefill = prefill;
            p.n_tokens = n;
            passes.push_back(p);
        };
        pass(0.0, 0.4, true, 12);
        pass(0.6, 0.7, false, 1);
        pass(0.7, 0.8, false, 1);
        pass(0.8, 0.9, false, 1);
        const auto snapshots = snapshotsFromWindows(windows, passes);
        QCOMPARE(snapshots.size(), size_t(2));
        QCOMPARE(snapshots[0].hitRate, 12.0 / 16.0);
        QCOMPARE(snapshots[0].layerHitRates, (std::vector<double>{0.5, 1.0}));
        QVERIFY(std::isnan(snapshots[0].tokensPerSecond)); // prefill only
        QCOMPARE(snapshots[1].layerHitRates.size(), size_t(2));
        QCOMPARE(snapshots[1].layerHitRates[0], 0.75);
        QVERIFY(std::isnan(snapshots[1].layerHitRates[1]));
        QVERIFY(std::abs(snapshots[1].tokensPerSecond - 10.0) < 1e-9); // 3 steps in 0.3 s
        QCOMPARE(snapshots[1].generatedTokens, uint64_t(3));
        QCOMPARE(snapshots[1].lowFraction, 0.25);
        QCOMPARE(snapshots[1].hostToDeviceBytesPerSecond, 2000.0 / 0.5);
    }

    void profileStoreSessionsAreListedChartedAndExported() {
        QTemporaryDir dir;
        auto store = std::make_shared<hoard::ProfileStore>(
            hoard::ProfileStore::open(dir.filePath("profile.db").toStdString()));
        hoard::Engine engine;
        auto model = engine.load_model(QStringLiteral(HOARD_DEFAULT_MODEL_PATH).toStdString());
        auto session = engine.create_session(model);
        int64_t id = 0;
        {
            hoard::RecordingOptions options;
            options.window_seconds = 0.01; // several windows for a short reply
            hoard::Recording recording = store->record(*session, options);
            hoard::GenerationParams params;
            params.max_tokens = 64;
            session->chat({{"user", "Record me"}}, params,
                          [](int32_t, std::string_view) { return true; });
            recording.stop();
            id = recording.session_id();
        }
        QVERIFY(id > 0);
        ProfileSessionArchive archive(store);
        const auto list = archive.sessions();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].id, qint64(id));
        QCOMPARE(list[0].status, QString("complete"));
        QVERIFY(list[0].hasLayerStats);
        QCOMPARE(*list[0].hitRate, 1.0); // the CPU engine: every expert resident
        QVERIFY(list[0].generatedTokens > 0);
        const auto rec = archive.recording(id);
        QVERIFY(rec);
        QVERIFY(!rec->snapshots.empty());
        QVERIFY(rec->summary.timeToFirstToken > 0);
        for (const auto& s : rec->snapshots)
            QCOMPARE(s.layerHitRates.size(), model->summary().n_layer);
        QCOMPARE(archive.exportFormats(), (QStringList{"json", "csv", "perfetto", "sqlite"}));
        QCOMPARE(archive.exportSession(id, "json", dir.filePath("s.json")), QString());
        QVERIFY(QFileInfo(dir.filePath("s.json")).size() > 100);
        QCOMPARE(archive.exportSession(id, "csv", dir.filePath("tables.csv")), QString());
        QVERIFY(QFileInfo(dir.filePath("tables")).isDir()); // CSV is a folder of tables
        QCOMPARE(archive.exportSession(id, "perfetto", dir.filePath("trace.json")), QString());
        QCOMPARE(archive.exportSession(id, "sqlite", dir.filePath("one.db")), QString());
        QVERIFY(
            archive.exportSession(id, "xml", dir.filePath("x")).contains("could not be exported"));
        QVERIFY(
            archive.exportSession(id + 100, "json", dir.filePath("y.json")).contains("could not"));
        QVERIFY(!archive.recording(id + 100));
        SessionsController controller(archive);
        QCOMPARE(controller.selectedId(), qint64(id));
        QVERIFY(controller.selected()->hasExpertStats());
        QVERIFY(controller.selectedSummary()["timeToFirstToken"].toString() != "–");
    }

    void controllerOpensComparesAndExports() {
        MemorySessionArchive archive;
        SessionsController controller(archive);
        QCOMPARE(controller.selectedId(), qint64(0));
        const qint64 a = recordRun(archive, 40, 1);
        const qint64 b = recordRun(archive, 20, 2);
        controller.refresh();
        // The newest opens by itself.
        QCOMPARE(controller.selectedId(), b);
        QCOMPARE(controller.selected()->length(), 20);
        QVERIFY(!controller.selected()->fixedWindow());
        QCOMPARE(controller.selected()->heatmapColumns(), 20);
        controller.open(a);
        QCOMPARE(controller.selectedId(), a);
        QCOMPARE(controller.selected()->length(), 40);
        QCOMPARE(controller.selectedSummary()["sessionId"].toLongLong(), a);
        controller.compareWith(b);
        QCOMPARE(controller.comparedId(), b);
        QCOMPARE(controller.compared()->length(), 20);
        controller.compareWith(a); // with itself: no comparison
        QCOMPARE(controller.comparedId(), qint64(0));
        QCOMPARE(controller.compared()->length(), 0);
        QSignalSpy errors(&controller, &SessionsController::errorOccurred);
        controller.open(12345);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(controller.selectedId(), a);
        QTemporaryDir dir;
        QCOMPARE(controller.exportSession(a, "csv",
                                          QUrl::fromLocalFile(dir.filePath("a.csv")).toString()),
                 QString());
        QVERIFY(QFileInfo(dir.filePath("a.csv")).size() > 100);
        QVERIFY(!controller.exportSession(a, "xml", dir.filePath("a.xml")).isEmpty());
        QCOMPARE(errors.size(), 2);
        QCOMPARE(controller.exportFormats(), (QStringList{"json", "csv"}));
    }
};

QTEST_MAIN(SessionsTest)
#include "test_gui_sessions.moc"
