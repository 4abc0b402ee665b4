#pragma once
// The profiling store's tests: schema and migrations, the recorder (windows,
// bounded queue, busy database), crash safety (SIGKILL, full disk, read-only
// folder), every export read back against the database, the live feed, the
// chat history and the recorder's overhead.
#include "event_script.hpp"
#include "telemetry/profile_store.hpp"

#include <QObject>
#include <QTemporaryDir>

#include <filesystem>
#include <string>

class TestTelemetry : public QObject {
    Q_OBJECT

  public:
    std::filesystem::path scratch(const std::string& name) const;

  private slots:
    void initTestCase();

    // test_telemetry.cpp
    void defaultDatabaseLocation();
    void freshDatabaseHasCurrentSchema();
    void migratesVersion1WithData();
    void refusesNewerSchemaAndForeignFiles();
    void recordsScriptedSession();
    void windowsCloseAfterPasses();
    void boundedQueueCountsDrops();
    void busyDatabaseNeverBlocksPublisher();
    void deleteSessionRemovesItsRows();
    void chatHistory();
    void modelFingerprint();

    // crash_tests.cpp
    void sigkillLosesAtMostOneSecond();
    void fullDiskStopsRecording();
    void sizeLimitStopsRecording();
    void readOnlyFolderIsReported();

    // export_tests.cpp
    void csvExportMatchesDatabase();
    void jsonExportMatchesDatabase();
    void perfettoTraceIsValid();
    void sqliteExportIsStandalone();
    void exportErrors();

    // live_feed_tests.cpp
    void liveFeedSnapshots();
    void liveFeedRateAndStop();
    void recorderOverhead();

  private:
    QTemporaryDir tmp_;
};

namespace hoard::test {

// Records `script` into a new session of `store` and ends it; returns its id.
int64_t record(telemetry::ProfileStore& store, const Script& script,
               telemetry::RecorderOptions options = {});

} // namespace hoard::test
