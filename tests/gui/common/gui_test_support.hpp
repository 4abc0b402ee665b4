#pragma once
// Shared by the desktop app's test suites: the bundled model, stand-ins for
// the engine-facing interfaces, and small helpers.
#include "hoard/error.hpp"
#include "models/model_inspector.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace hoard::gui::test {

inline QString bundledModelPath() {
    return QStringLiteral(HOARD_DEFAULT_MODEL_PATH);
}

// Offload sidecars and routing traces go under the build folder, not the
// user's cache (unless the environment already says where).
inline QString useTestCacheDir() {
    if (qEnvironmentVariableIsEmpty("HOARD_CACHE_DIR"))
        qputenv("HOARD_CACHE_DIR", QByteArray(HOARD_BUILD_DIR "/test-cache"));
    // And a profile database, if a test forgets to name one, under the build folder too.
    if (qEnvironmentVariableIsEmpty("HOARD_DATA_DIR"))
        qputenv("HOARD_DATA_DIR", QByteArray(HOARD_BUILD_DIR "/test-data"));
    return qEnvironmentVariable("HOARD_CACHE_DIR");
}

// A file that is not a model but is named like one.
inline QString writeBrokenModel(const QDir& dir,
                                const QString& name = QStringLiteral("broken.gguf")) {
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly)) return {};
    file.write("this is not a GGUF file at all, just text");
    return QFileInfo(file).absoluteFilePath();
}

inline hoard::ModelSummary fakeSummary(const std::string& name, size_t layers = 4) {
    hoard::ModelSummary s;
    s.architecture = "qwen3moe";
    s.name = name;
    s.n_layer = layers;
    s.n_embd = 64;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 16;
    s.n_expert = 8;
    s.n_expert_used = 2;
    s.n_ff_expert = 128;
    s.n_vocab = 1000;
    s.n_ctx_train = 4096;
    s.n_ctx = 4096;
    s.parameters_total = 46'700'000'000ull;
    s.parameters_active = 12'900'000'000ull;
    s.parameters_expert = 45'000'000'000ull;
    s.bytes_expert = 24'000'000'000ull;
    s.bytes_non_expert = 1'600'000'000ull;
    s.bytes_token_embedding = 260'000'000ull;
    s.file_bytes = s.bytes_expert + s.bytes_non_expert;
    s.formats = {{"q4_K", 100, s.parameters_expert, 24'000'000'000ull},
                 {"f32", 20, 100'000'000ull, 400'000'000ull}};
    s.kv_bytes_per_token_per_layer = 4096;
    s.kv_cache_bytes = s.kv_bytes_per_token_per_layer * layers * s.n_ctx;
    s.memory_bytes = s.file_bytes + s.kv_cache_bytes;
    return s;
}

// Files named "bad*" cannot run; the rest are MoE models named after their file.
class FakeInspector : public ModelInspector {
  public:
    hoard::ModelSummary inspect(const std::filesystem::path& path,
                                const std::atomic<bool>&) override {
        ++calls;
        const std::string name = path.stem().string();
        if (name.rfind("bad", 0) == 0) throw hoard::Error(path.string() + ": not a GGUF file");
        return fakeSummary(name);
    }
    std::atomic<int> calls{0};
};

// Blocks until cancelled or released; then throws (cancelled) or opens the real file.
class GatedOpener : public ModelOpener {
  public:
    explicit GatedOpener(ModelOpener& real) : real_(real) {}
    std::shared_ptr<hoard::Model> open(const std::filesystem::path& path,
                                       const hoard::LoadProgress& progress,
                                       const std::atomic<bool>& cancel,
                                       const hoard::LoadOptions& options) override {
        started = true;
        if (progress) progress(0.05, "waiting at the gate");
        std::unique_lock lock(mutex_);
        while (!released_ && !cancel.load()) wake_.wait_for(lock, std::chrono::milliseconds(5));
        if (cancel.load()) throw hoard::Error(path.string() + ": loading cancelled");
        return real_.open(path, progress, cancel, options);
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        wake_.notify_all();
    }
    std::atomic<bool> started{false};

  private:
    ModelOpener& real_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool released_ = false;
};

} // namespace hoard::gui::test
