#include "models/model_library.hpp"

#include "hoard/error.hpp"
#include "models/model_problem.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSet>

namespace hoard::gui {
namespace {

bool isGguf(const QString& path) {
    return path.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive);
}

// The engine's messages start with the file's path; the list shows it already.
QString reasonWithoutPath(const QString& message, const QString& path) {
    const QString prefix = path + QStringLiteral(": ");
    return message.startsWith(prefix) ? message.mid(prefix.size()) : message;
}

} // namespace

ModelLibrary::ModelLibrary(ModelInspector& inspector, Options options, QObject* parent)
    : QObject(parent), inspector_(inspector),
      default_model_path_(options.defaultModelPath.isEmpty()
                              ? QString()
                              : QFileInfo(options.defaultModelPath).absoluteFilePath()),
      auto_inspect_limit_(options.autoInspectLimitBytes), max_files_(options.maxFilesPerFolder),
      max_depth_(options.maxDepth) {
    for (const QString& folder : options.folders) {
        const QString path = QDir(localPath(folder)).absolutePath();
        if (!folders_.contains(path)) folders_ << path;
    }
    addBundledModel();
    rescan();
}

ModelLibrary::~ModelLibrary() {
    cancel_->store(true);
    scan_lane_.stop();
    inspect_lane_.stop();
}

QString ModelLibrary::localPath(const QString& pathOrUrl) {
    if (pathOrUrl.startsWith(QStringLiteral("file:"))) return QUrl(pathOrUrl).toLocalFile();
    return pathOrUrl;
}

void ModelLibrary::addBundledModel() {
    if (default_model_path_.isEmpty()) return;
    QFileInfo info(default_model_path_);
    ModelEntry entry;
    entry.path = default_model_path_;
    entry.bundled = true;
    entry.explicitly_added = true;
    if (!info.isFile()) {
        entry.state = ModelEntry::State::Unrunnable;
        entry.reason = tr("The bundled model is missing: build Hoard (it writes the model) or "
                          "reinstall it.");
        models_.upsert(entry);
        return;
    }
    entry.fileBytes = uint64_t(info.size());
    models_.upsert(entry);
    queueInspection(entry.path);
}

void ModelLibrary::rescan() {
    const uint64_t generation = ++scan_generation_;
    const QStringList folders = folders_;
    const int max_files = max_files_;
    const int max_depth = max_depth_;
    setBusyDelta(+1, 0);
    scan_lane_.post([this, generation, folders, max_files, max_depth] {
        QList<FoundFile> found;
        for (const QString& folder : folders) {
            const QDir root(folder);
            QDirIterator it(folder, {QStringLiteral("*.gguf"), QStringLiteral("*.GGUF")},
                            QDir::Files | QDir::Readable, QDirIterator::Subdirectories);
            int in_folder = 0;
            while (it.hasNext() && in_folder < max_files) {
                const QString path = it.next();
                if (root.relativeFilePath(path).count(QLatin1Char('/')) > max_depth) continue;
                found.append({QFileInfo(path).absoluteFilePath(), uint64_t(it.fileInfo().size())});
                ++in_folder;
            }
        }
        QMetaObject::invokeMethod(
            this, [this, found, generation] { applyScan(found, generation); },
            Qt::QueuedConnection);
    });
}

void ModelLibrary::applyScan(const QList<FoundFile>& found, uint64_t generation) {
    setBusyDelta(-1, 0);
    if (generation != scan_generation_) return; // a newer scan is on its way
    QSet<QString> seen;
    for (const FoundFile& file : found) {
        seen.insert(file.path);
        if (models_.find(file.path)) continue;
        ModelEntry entry;
        entry.path = file.path;
        entry.fileBytes = file.bytes;
        entry.state = file.bytes > auto_inspect_limit_ ? ModelEntry::State::Deferred
                                                       : ModelEntry::State::Waiting;
        models_.upsert(entry);
        if (entry.state == ModelEntry::State::Waiting) queueInspection(entry.path);
    }
    models_.removeIf([&](const ModelEntry& e) {
        return !e.bundled && !e.explicitly_added && !seen.contains(e.path);
    });
    emit scanFinished();
}

bool ModelLibrary::addFolder(const QString& pathOrUrl) {
    const QString path = QDir(localPath(pathOrUrl)).absolutePath();
    if (!QFileInfo(path).isDir()) {
        emit errorOccurred(tr("“%1” is not a folder.").arg(path));
        return false;
    }
    if (!folders_.contains(path)) {
        folders_ << path;
        emit foldersChanged();
    }
    rescan();
    return true;
}

void ModelLibrary::removeFolder(const QString& path) {
    if (folders_.removeAll(path) == 0) return;
    emit foldersChanged();
    rescan();
}

int ModelLibrary::addUrls(const QList<QUrl>& urls) {
    QStringList paths;
    for (const QUrl& url : urls) paths << (url.isLocalFile() ? url.toLocalFile() : url.toString());
    return addPaths(paths);
}

int ModelLibrary::addPaths(const QStringList& paths) {
    int added = 0;
    QStringList rejected;
    for (const QString& raw : paths) {
        const QString path = localPath(raw);
        const QFileInfo info(path);
        if (info.isDir()) {
            addFolder(path);
        } else if (!info.isFile()) {
            emit errorOccurred(tr("“%1” does not exist or cannot be read.").arg(path));
        } else if (!isGguf(path)) {
            rejected << info.fileName();
        } else if (addFile(info.absoluteFilePath())) {
            ++added;
        }
    }
    if (!rejected.isEmpty())
        emit errorOccurred(tr("Hoard runs GGUF model files (*.gguf); %1 is not one.")
                               .arg(rejected.join(QStringLiteral(", "))));
    return added;
}

bool ModelLibrary::addFile(const QString& path) {
    if (const ModelEntry* existing = models_.find(path)) {
        models_.update(path, [](ModelEntry& e) { e.explicitly_added = true; });
        if (existing->state == ModelEntry::State::Deferred) inspect(path);
        return true;
    }
    ModelEntry entry;
    entry.path = path;
    entry.fileBytes = uint64_t(QFileInfo(path).size());
    entry.explicitly_added = true;
    models_.upsert(entry);
    queueInspection(path); // opened by hand: inspect whatever its size
    return true;
}

void ModelLibrary::inspect(const QString& path) {
    const ModelEntry* entry = models_.find(path);
    if (!entry || entry->state == ModelEntry::State::Waiting ||
        entry->state == ModelEntry::State::Inspecting)
        return;
    queueInspection(path);
}

void ModelLibrary::queueInspection(const QString& path) {
    models_.update(path, [](ModelEntry& e) { e.state = ModelEntry::State::Waiting; });
    setBusyDelta(0, +1);
    auto cancel = cancel_;
    inspect_lane_.post([this, path, cancel] {
        if (cancel->load()) return;
        QMetaObject::invokeMethod(
            this,
            [this, path] {
                models_.update(path,
                               [](ModelEntry& e) { e.state = ModelEntry::State::Inspecting; });
            },
            Qt::QueuedConnection);
        std::optional<hoard::ModelSummary> summary;
        QString reason;
        try {
            summary = inspector_.inspect(path.toStdString(), *cancel);
        } catch (const hoard::Error& e) {
            reason = explainModelProblem(reasonWithoutPath(QString::fromUtf8(e.what()), path));
        } catch (const std::exception& e) {
            reason = tr("Hoard could not read this file (%1).").arg(QString::fromUtf8(e.what()));
        }
        if (cancel->load()) return;
        QMetaObject::invokeMethod(
            this, [this, path, summary, reason] { finishInspection(path, summary, reason); },
            Qt::QueuedConnection);
    });
}

void ModelLibrary::finishInspection(const QString& path,
                                    const std::optional<hoard::ModelSummary>& summary,
                                    const QString& reason) {
    setBusyDelta(0, -1);
    models_.update(path, [&](ModelEntry& e) {
        e.summary = summary;
        e.state = summary ? ModelEntry::State::Ready : ModelEntry::State::Unrunnable;
        e.reason = summary ? QString() : reason;
    });
    emit inspected(path);
}

void ModelLibrary::setBusyDelta(int scans, int inspections) {
    const bool was_busy = busy();
    scans_running_ += scans;
    inspections_running_ += inspections;
    if (busy() != was_busy) emit busyChanged();
}

} // namespace hoard::gui
