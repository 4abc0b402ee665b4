#include "app/app_context.hpp"

#include "budget/gpu_device_probe.hpp"
#include "chat/memory_conversation_store.hpp"
#include "chat/profile_conversation_store.hpp"

#include <QDir>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace hoard::gui {
namespace {

const char* const kFoldersKey = "models/folders";
const char* const kDarkKey = "appearance/dark";
const char* const kLastModelKey = "models/last";

} // namespace

QString findBundledModel(const QString& applicationDir) {
    const QString name = QStringLiteral("hoard-tiny-moe.gguf");
    for (const QString& candidate : {applicationDir + QStringLiteral("/../models/") + name,
                                     applicationDir + QStringLiteral("/models/") + name,
                                     QStringLiteral(HOARD_DEFAULT_MODEL_PATH)})
        if (QFileInfo(candidate).isFile()) return QFileInfo(candidate).canonicalFilePath();
    return QStringLiteral(HOARD_DEFAULT_MODEL_PATH);
}

QString traceFolder() {
    // Where the engine keeps its offload files (the same rule as its sidecars).
    QString base = qEnvironmentVariable("HOARD_CACHE_DIR");
    if (base.isEmpty()) {
        const QString xdg = qEnvironmentVariable("XDG_CACHE_HOME");
        base = (xdg.isEmpty() ? QDir::homePath() + QStringLiteral("/.cache") : xdg) +
               QStringLiteral("/hoard");
    }
    return base + QStringLiteral("/traces");
}

QStringList defaultModelFolders() {
    const QString home = QDir::homePath();
    QStringList folders;
    for (const QString& relative :
         {QStringLiteral("models"), QStringLiteral(".cache/lm-studio/models"),
          QStringLiteral(".cache/huggingface/hub")}) {
        const QString path = home + QLatin1Char('/') + relative;
        if (QFileInfo(path).isDir()) folders << path;
    }
    return folders;
}

AppContext::AppContext(const AppOptions& options, AppServices services, QObject* parent)
    : QObject(parent), services_(std::move(services)) {
    settings_ = options.settingsFile.isEmpty()
                    ? std::make_unique<QSettings>()
                    : std::make_unique<QSettings>(options.settingsFile, QSettings::IniFormat);
    if (!services_.engine) services_.engine = std::make_shared<hoard::Engine>();
    if (!services_.inspector || !services_.opener) {
        auto files = std::make_shared<EngineModelFiles>(services_.engine);
        if (!services_.inspector) services_.inspector = files;
        if (!services_.opener) services_.opener = files;
    }
    if (!services_.deviceProbe) {
        auto probe = std::make_shared<CompositeDeviceProbe>();
        probe->add(std::make_unique<GpuDeviceProbe>()); // CUDA and Vulkan, through the engine
        probe->add(std::make_unique<HostDeviceProbe>());
        services_.deviceProbe = probe;
    }
    if (!services_.predictor)
        services_.predictor = std::make_shared<ReplayBudgetPredictor>(traceFolder().toStdString());
    // The profiling store keeps sessions and conversations across restarts.
    QString store_problem;
    if (!services_.profileStore && options.useProfileStore) {
        try {
            services_.profileStore = std::make_shared<hoard::ProfileStore>(
                options.profileDatabase.isEmpty()
                    ? hoard::ProfileStore::open()
                    : hoard::ProfileStore::open(options.profileDatabase.toStdString()));
        } catch (const std::exception& e) {
            store_problem = tr("Hoard cannot open its profile database, so sessions and "
                               "conversations are kept only until you quit: %1")
                                .arg(QString::fromUtf8(e.what()));
        }
    }
    if (!services_.conversations) {
        if (services_.profileStore)
            services_.conversations = std::make_shared<ProfileConversationStore>(
                services_.profileStore, [this](const QString& message) {
                    if (errors_) errors_->push(message);
                });
        else
            services_.conversations = std::make_shared<MemoryConversationStore>();
    }

    const bool dark = options.dark.value_or(settings_->value(kDarkKey, true).toBool());
    QStringList folders = settings_->value(kFoldersKey).toStringList();
    if (!settings_->contains(kFoldersKey)) folders = options.modelFolders;
    // Preselected: the model asked for, else the one used last, else the bundled one.
    const QString last = settings_->value(kLastModelKey).toString();
    if (!options.initialModel.isEmpty())
        preferred_model_ = QFileInfo(options.initialModel).absoluteFilePath();
    else if (!last.isEmpty() && QFileInfo(last).isFile())
        preferred_model_ = last;
    else
        preferred_model_ = options.defaultModelPath;

    feed_ = std::make_unique<TelemetryFeed>();
    errors_ = std::make_unique<ErrorQueue>();
    theme_ = std::make_unique<Theme>(dark);
    navigation_ = std::make_unique<Navigation>();
    ModelLibrary::Options library_options;
    library_options.defaultModelPath = options.defaultModelPath;
    library_options.folders = folders;
    library_ = std::make_unique<ModelLibrary>(*services_.inspector, library_options);
    if (preferred_model_ != library_->defaultModelPath() && QFileInfo(preferred_model_).isFile())
        library_->addPaths({preferred_model_});
    loader_ = std::make_unique<ModelLoader>(*services_.opener);
    chat_ = std::make_unique<ChatController>(*services_.conversations, *loader_, services_.engine,
                                             feed_.get());
    chat_->setRoutingTraceFolder(traceFolder());
    budget_ = std::make_unique<BudgetController>(*services_.predictor, *services_.deviceProbe);
    dashboard_ = std::make_unique<DashboardController>(*feed_);
    MemorySessionArchive* memory_archive = nullptr;
    if (services_.profileStore) {
        archive_ = std::make_unique<ProfileSessionArchive>(services_.profileStore);
        chat_->setProfileStore(services_.profileStore);
    } else {
        auto memory = std::make_unique<MemorySessionArchive>();
        memory_archive = memory.get();
        archive_ = std::move(memory);
    }
    recorder_ = std::make_unique<SessionRecorder>(*feed_, memory_archive);
    sessions_ = std::make_unique<SessionsController>(*archive_);
    wire();
    if (!store_problem.isEmpty()) errors_->push(store_problem);

    if (services_.telemetrySource) services_.telemetrySource->start(*feed_);
    if (options.autoLoad && QFileInfo(preferred_model_).isFile()) {
        if (options.offloadBudgetBytes > 0)
            loader_->loadWithBudget(preferred_model_, qint64(options.offloadBudgetBytes), 0, true);
        else
            loader_->load(preferred_model_);
    }
}

AppContext::~AppContext() {
    // Publishers stop before the feed and the controllers they report to go.
    if (services_.telemetrySource) services_.telemetrySource->stop();
}

QString AppContext::version() const {
    return QStringLiteral(HOARD_VERSION_STRING);
}

void AppContext::wire() {
    auto report = [this](const QString& message) { errors_->push(message); };
    connect(library_.get(), &ModelLibrary::errorOccurred, errors_.get(), report);
    connect(loader_.get(), &ModelLoader::errorOccurred, errors_.get(), report);
    connect(chat_.get(), &ChatController::errorOccurred, errors_.get(), report);
    connect(sessions_.get(), &SessionsController::errorOccurred, errors_.get(), report);

    connect(library_.get(), &ModelLibrary::foldersChanged, this,
            [this] { settings_->setValue(kFoldersKey, library_->folders()); });
    connect(theme_.get(), &Theme::changed, this,
            [this] { settings_->setValue(kDarkKey, theme_->dark()); });
    connect(loader_.get(), &ModelLoader::modelChanged, this, [this] {
        const auto model = loader_->model();
        budget_->setModel(model ? std::optional(model->summary()) : std::nullopt,
                          loader_->modelName(), loader_->modelPath());
        // An offloaded model: the planner starts from the budget it runs with.
        if (loader_->offloaded()) {
            budget_->setContextTokens(loader_->offloadContextTokens());
            budget_->setBudgetGB(double(loader_->offloadBudgetBytes()) / 1e9);
        }
        if (model) settings_->setValue(kLastModelKey, loader_->modelPath());
    });
    connect(feed_.get(), &TelemetryFeed::generationFinished, this,
            [this](const GenerationRecord& record) {
                if (!record.error.isEmpty() || record.tokensPerSecond <= 0) return;
                budget_->setMeasured(
                    record.tokensPerSecond,
                    record.hitRate.value_or(std::numeric_limits<double>::quiet_NaN()),
                    record.devicePeakBytes, record.deviceCapacityBytes);
            });
    connect(recorder_.get(), &SessionRecorder::sessionsChanged, sessions_.get(),
            &SessionsController::refresh);
}

} // namespace hoard::gui
