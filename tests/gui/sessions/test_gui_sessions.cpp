// The Sessions screen's C++ side: the in-memory archive and its exports, the
// recorder that fills it from the feed, the list model and the controller
// (open, compare, export).
#include "sessions/memory_session_archive.hpp"
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
        SessionRecorder recorder(feed, archive);
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
