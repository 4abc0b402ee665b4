#pragma once
// The two things the app asks of the engine about model files, behind
// interfaces so that tests can stand in for slow or failing files.
#include "hoard/engine.hpp"
#include "hoard/model_summary.hpp"

#include <atomic>
#include <filesystem>
#include <memory>

namespace hoard::gui {

class ModelInspector {
  public:
    virtual ~ModelInspector() = default;
    // Runs on a worker lane. Throws hoard::Error, with a message a user
    // understands, for a file Hoard cannot run (or when `cancel` turns true).
    virtual hoard::ModelSummary inspect(const std::filesystem::path& path,
                                        const std::atomic<bool>& cancel) = 0;
};

class ModelOpener {
  public:
    virtual ~ModelOpener() = default;
    // Runs on a worker lane; `progress` is called on that lane. Throws
    // hoard::Error for an unusable file, settings the engine cannot meet (an
    // offload budget too small), or when `cancel` turns true.
    virtual std::shared_ptr<hoard::Model> open(const std::filesystem::path& path,
                                               const hoard::LoadProgress& progress,
                                               const std::atomic<bool>& cancel,
                                               const hoard::LoadOptions& options) = 0;
};

// Both, through the engine facade. Until the facade offers a load-free
// summary, inspecting loads the model (memory-mapped) and drops it again.
class EngineModelFiles : public ModelInspector, public ModelOpener {
  public:
    explicit EngineModelFiles(std::shared_ptr<hoard::Engine> engine) : engine_(std::move(engine)) {}
    hoard::ModelSummary inspect(const std::filesystem::path& path,
                                const std::atomic<bool>& cancel) override;
    std::shared_ptr<hoard::Model> open(const std::filesystem::path& path,
                                       const hoard::LoadProgress& progress,
                                       const std::atomic<bool>& cancel,
                                       const hoard::LoadOptions& options) override;

  private:
    std::shared_ptr<hoard::Engine> engine_;
};

} // namespace hoard::gui
