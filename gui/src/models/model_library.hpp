#pragma once
// The Models screen's controller: the folders to scan, the files found in them
// or opened by hand, and their inspection (architecture, parameters, experts,
// quantization, or why Hoard cannot run them). Scanning and inspecting run on
// worker lanes; results come back to the GUI thread as queued calls.
#include "engine/worker_lane.hpp"
#include "models/model_inspector.hpp"
#include "models/model_list_model.hpp"

#include <QObject>
#include <QStringList>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace hoard::gui {

class ModelLibrary : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::ModelListModel* models READ models CONSTANT)
    Q_PROPERTY(QStringList folders READ folders NOTIFY foldersChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(QString defaultModelPath READ defaultModelPath CONSTANT)

  public:
    struct Options {
        QString defaultModelPath; // always listed (when the file exists)
        QStringList folders;      // scanned for *.gguf
        // Larger files are inspected only on request: inspecting reads the whole file.
        uint64_t autoInspectLimitBytes = uint64_t(4) << 30;
        int maxFilesPerFolder = 2000; // a folder holding more is cut short
        int maxDepth = 4;             // subfolder levels (Hugging Face caches nest)
    };

    ModelLibrary(ModelInspector& inspector, Options options, QObject* parent = nullptr);
    ~ModelLibrary() override;

    ModelListModel* models() { return &models_; }
    QStringList folders() const { return folders_; }
    bool busy() const { return scans_running_ > 0 || inspections_running_ > 0; }
    QString defaultModelPath() const { return default_model_path_; }

    // Scans every folder again (keeping opened files and what was inspected).
    Q_INVOKABLE void rescan();
    // A folder as a path or file:// URL; false (and an error) when it is not one.
    Q_INVOKABLE bool addFolder(const QString& pathOrUrl);
    Q_INVOKABLE void removeFolder(const QString& path);
    // Opened or dropped files and folders; returns how many models were added.
    Q_INVOKABLE int addUrls(const QList<QUrl>& urls);
    int addPaths(const QStringList& paths);
    // Inspects a file now, whatever its size.
    Q_INVOKABLE void inspect(const QString& path);
    Q_INVOKABLE int indexOfPath(const QString& path) const { return models_.indexOf(path); }

    // A path from a QML url or string (file:// URLs become local paths).
    static QString localPath(const QString& pathOrUrl);
    Q_INVOKABLE QString toLocalPath(const QString& pathOrUrl) const { return localPath(pathOrUrl); }

  signals:
    void foldersChanged();
    void busyChanged();
    void errorOccurred(const QString& message);
    // A file's inspection finished (ready or unrunnable).
    void inspected(const QString& path);
    void scanFinished();

  private:
    struct FoundFile {
        QString path;
        uint64_t bytes = 0;
    };
    void addBundledModel();
    bool addFile(const QString& path);
    void applyScan(const QList<FoundFile>& found, uint64_t generation);
    void queueInspection(const QString& path);
    void finishInspection(const QString& path, const std::optional<hoard::ModelSummary>& summary,
                          const QString& reason);
    void setBusyDelta(int scans, int inspections);

    ModelInspector& inspector_;
    ModelListModel models_;
    QString default_model_path_;
    QStringList folders_;
    uint64_t auto_inspect_limit_;
    int max_files_;
    int max_depth_;
    uint64_t scan_generation_ = 0;
    int scans_running_ = 0;
    int inspections_running_ = 0;
    std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
    WorkerLane scan_lane_{"model scan"};
    WorkerLane inspect_lane_{"model inspection"};
};

} // namespace hoard::gui
