#include "models/model_inspector.hpp"

#include "models/model_entry.hpp"

namespace hoard::gui {

const char* modelStateName(ModelEntry::State state) {
    switch (state) {
    case ModelEntry::State::Waiting:
        return "waiting";
    case ModelEntry::State::Inspecting:
        return "inspecting";
    case ModelEntry::State::Ready:
        return "ready";
    case ModelEntry::State::Unrunnable:
        return "unrunnable";
    case ModelEntry::State::Deferred:
        return "deferred";
    }
    return "waiting";
}

hoard::ModelSummary EngineModelFiles::inspect(const std::filesystem::path& path,
                                              const std::atomic<bool>& cancel) {
    return engine_->load_model(path, {}, &cancel)->summary();
}

std::shared_ptr<hoard::Model> EngineModelFiles::open(const std::filesystem::path& path,
                                                     const hoard::LoadProgress& progress,
                                                     const std::atomic<bool>& cancel,
                                                     const hoard::LoadOptions& options) {
    return engine_->load_model(path, progress, &cancel, options);
}

} // namespace hoard::gui
