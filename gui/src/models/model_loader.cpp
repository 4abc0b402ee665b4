#include "models/model_loader.hpp"

#include "hoard/error.hpp"
#include "models/model_library.hpp"
#include "models/model_problem.hpp"

#include <QFileInfo>

#include <chrono>

namespace hoard::gui {

ModelLoader::ModelLoader(ModelOpener& opener, QObject* parent) : QObject(parent), opener_(opener) {}

ModelLoader::~ModelLoader() {
    if (cancel_) cancel_->store(true);
    lane_.stop();
}

QString ModelLoader::modelPath() const {
    return model_ ? QString::fromStdString(model_->path().string()) : QString();
}

QString ModelLoader::modelName() const {
    if (!model_) return {};
    if (!model_->summary().name.empty()) return QString::fromStdString(model_->summary().name);
    return QFileInfo(modelPath()).completeBaseName();
}

void ModelLoader::load(const QString& path) {
    load(path, hoard::LoadOptions{});
}

void ModelLoader::loadWithBudget(const QString& path, qint64 deviceBytes, int contextTokens,
                                 bool lowPrecision) {
    hoard::OffloadOptions offload;
    offload.device_bytes = uint64_t(std::max<qint64>(deviceBytes, 0));
    offload.n_ctx = size_t(std::max(contextTokens, 0));
    offload.low_precision = lowPrecision;
    hoard::LoadOptions options;
    options.offload = offload;
    load(path, options);
}

void ModelLoader::load(const QString& pathOrUrl, const hoard::LoadOptions& options) {
    const QString path = QFileInfo(ModelLibrary::localPath(pathOrUrl)).absoluteFilePath();
    if (cancel_) cancel_->store(true);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    cancel_ = cancel;
    const uint64_t job = ++job_;
    loading_path_ = path;
    error_.clear();
    progress_ = 0;
    stage_ = tr("waiting");
    setState(State::Loading);
    emit progressChanged();

    lane_.post([this, job, path, cancel, options] {
        // Progress arrives as often as the engine reports it; pass on changes of
        // at least 1% (or of stage) so the GUI sees a handful of updates a second.
        double last_fraction = -1;
        std::string last_stage;
        auto last_sent = std::chrono::steady_clock::time_point{};
        auto progress = [&](double fraction, std::string_view stage) {
            const auto now = std::chrono::steady_clock::now();
            if (stage == last_stage && fraction - last_fraction < 0.01 &&
                now - last_sent < std::chrono::milliseconds(100))
                return;
            last_fraction = fraction;
            last_stage = std::string(stage);
            last_sent = now;
            const QString text = QString::fromUtf8(stage.data(), qsizetype(stage.size()));
            QMetaObject::invokeMethod(
                this, [this, job, fraction, text] { onProgress(job, fraction, text); },
                Qt::QueuedConnection);
        };
        std::shared_ptr<hoard::Model> model;
        QString error;
        try {
            if (!cancel->load())
                model = opener_.open(path.toStdString(), progress, *cancel, options);
        } catch (const hoard::Error& e) {
            error = explainModelProblem(QString::fromUtf8(e.what()));
        } catch (const std::exception& e) {
            error = tr("Hoard could not load %1 (%2).").arg(path, QString::fromUtf8(e.what()));
        }
        std::optional<OffloadInfo> offload;
        if (model && model->offloaded()) {
            offload.emplace();
            if (const auto plan = model->offload_plan()) {
                offload->deviceBytes = plan->device_bytes;
                offload->contextTokens = plan->n_ctx;
            }
            if (const auto setup = model->offload_setup())
                offload->device = QString::fromStdString(setup->device);
        }
        const bool cancelled = cancel->load();
        QMetaObject::invokeMethod(
            this,
            [this, job, model, offload, error, cancelled] {
                onLoaded(job, model, offload, error, cancelled);
            },
            Qt::QueuedConnection);
    });
}

void ModelLoader::cancel() {
    if (state_ != State::Loading) return;
    if (cancel_) cancel_->store(true);
    ++job_; // whatever the lane still reports about this load is ignored
    loading_path_.clear();
    stage_.clear();
    progress_ = 0;
    setState(State::Idle);
    emit progressChanged();
}

void ModelLoader::unload() {
    cancel();
    if (!model_) return;
    model_.reset();
    offload_.reset();
    emit modelChanged();
}

void ModelLoader::onProgress(uint64_t job, double fraction, const QString& stage) {
    if (job != job_) return;
    progress_ = fraction;
    stage_ = stage;
    emit progressChanged();
}

void ModelLoader::onLoaded(uint64_t job, std::shared_ptr<hoard::Model> model,
                           std::optional<OffloadInfo> offload, const QString& error,
                           bool cancelled) {
    if (job != job_) return;
    loading_path_.clear();
    if (cancelled) {
        setState(State::Idle);
        return;
    }
    if (!model) {
        error_ = error.isEmpty() ? tr("The model could not be loaded.") : error;
        setState(State::Failed);
        emit errorOccurred(error_);
        return;
    }
    progress_ = 1;
    stage_ = tr("ready");
    model_ = std::move(model);
    offload_ = std::move(offload);
    emit progressChanged();
    setState(State::Idle);
    emit modelChanged();
}

void ModelLoader::setState(State state) {
    // Also re-announced when only the path or error changed.
    state_ = state;
    emit stateChanged();
}

} // namespace hoard::gui
