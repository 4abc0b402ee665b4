#pragma once
// Everything one window of the app uses, created and wired here and handed to
// the QML root as its required `app` property (no global singletons). Tests
// build one with stand-ins for the engine-facing parts (AppServices).
#include "app/error_queue.hpp"
#include "app/navigation.hpp"
#include "app/theme.hpp"
#include "budget/budget_controller.hpp"
#include "chat/chat_controller.hpp"
#include "models/model_library.hpp"
#include "models/model_loader.hpp"
#include "sessions/memory_session_archive.hpp"
#include "sessions/profile_session_archive.hpp"
#include "sessions/session_recorder.hpp"
#include "sessions/sessions_controller.hpp"
#include "telemetry/dashboard_controller.hpp"
#include "telemetry/telemetry_feed.hpp"

#include <QObject>
#include <QSettings>
#include <QtQml/qqmlregistration.h>

#include <memory>
#include <optional>

namespace hoard::gui {

struct AppOptions {
    QString defaultModelPath; // the bundled model; always listed
    QStringList modelFolders; // used when the settings hold none
    QString initialModel;     // preselected (and loaded when autoLoad); default: the bundled one
    bool autoLoad = true;
    uint64_t offloadBudgetBytes = 0; // > 0: load with the experts offloaded under this budget
    QString settingsFile;            // an INI file; empty: the user's settings
    std::optional<bool> dark;        // empty: as last time (dark the first time)
    // The profiling database that keeps sessions and conversations; empty:
    // the user's (hoard::ProfileStore::default_path()). Without one (it cannot
    // be opened, or useProfileStore is false) both live in memory until quit.
    QString profileDatabase;
    bool useProfileStore = true;
};

// The parts that touch the engine or the machine; null ones get the real thing.
struct AppServices {
    std::shared_ptr<hoard::Engine> engine;
    std::shared_ptr<ModelInspector> inspector;
    std::shared_ptr<ModelOpener> opener;
    std::shared_ptr<DeviceProbe> deviceProbe;
    std::shared_ptr<BudgetPredictor> predictor;
    std::shared_ptr<ConversationStore> conversations;
    std::shared_ptr<hoard::ProfileStore> profileStore;
    // Started with the app (e.g. synthetic telemetry for screenshots); optional.
    std::shared_ptr<TelemetrySource> telemetrySource;
};

class AppContext : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Created by the app")
    Q_PROPERTY(hoard::gui::Theme* theme READ theme CONSTANT)
    Q_PROPERTY(hoard::gui::Navigation* navigation READ navigation CONSTANT)
    Q_PROPERTY(hoard::gui::ErrorQueue* errors READ errors CONSTANT)
    Q_PROPERTY(hoard::gui::ModelLibrary* library READ library CONSTANT)
    Q_PROPERTY(hoard::gui::ModelLoader* loader READ loader CONSTANT)
    Q_PROPERTY(hoard::gui::ChatController* chat READ chat CONSTANT)
    Q_PROPERTY(hoard::gui::BudgetController* budget READ budget CONSTANT)
    Q_PROPERTY(hoard::gui::DashboardController* dashboard READ dashboard CONSTANT)
    Q_PROPERTY(hoard::gui::SessionsController* sessions READ sessions CONSTANT)
    Q_PROPERTY(QString preferredModelPath READ preferredModelPath CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)

  public:
    AppContext(const AppOptions& options, AppServices services = {}, QObject* parent = nullptr);
    ~AppContext() override;

    Theme* theme() { return theme_.get(); }
    Navigation* navigation() { return navigation_.get(); }
    ErrorQueue* errors() { return errors_.get(); }
    ModelLibrary* library() { return library_.get(); }
    ModelLoader* loader() { return loader_.get(); }
    ChatController* chat() { return chat_.get(); }
    BudgetController* budget() { return budget_.get(); }
    DashboardController* dashboard() { return dashboard_.get(); }
    SessionsController* sessions() { return sessions_.get(); }
    TelemetryFeed* feed() { return feed_.get(); }
    SessionArchive* archive() { return archive_.get(); }
    // Null when sessions and conversations live in memory.
    std::shared_ptr<hoard::ProfileStore> profileStore() const { return services_.profileStore; }
    QString preferredModelPath() const { return preferred_model_; }
    QString version() const;

  private:
    void wire();

    AppServices services_;
    std::unique_ptr<QSettings> settings_;
    QString preferred_model_;
    std::unique_ptr<TelemetryFeed> feed_;
    std::unique_ptr<ErrorQueue> errors_;
    std::unique_ptr<Theme> theme_;
    std::unique_ptr<Navigation> navigation_;
    std::unique_ptr<ModelLibrary> library_;
    std::unique_ptr<ModelLoader> loader_;
    std::unique_ptr<ChatController> chat_;
    std::unique_ptr<BudgetController> budget_;
    std::unique_ptr<DashboardController> dashboard_;
    std::unique_ptr<SessionArchive> archive_;
    std::unique_ptr<SessionRecorder> recorder_;
    std::unique_ptr<SessionsController> sessions_;
};

// Where the bundled model is at run time: beside the executable
// (../models or models), else where the build wrote it.
QString findBundledModel(const QString& applicationDir);
// Where recorded routing traces are kept (the budget planner replays them).
QString traceFolder();
// Folders that commonly hold GGUF files and exist on this machine.
QStringList defaultModelFolders();

} // namespace hoard::gui
