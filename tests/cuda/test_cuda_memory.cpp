// Device memory never exceeds the budget: the allocator refuses what would
// pass it, and a model with its cache, measured by cudaMemGetInfo around
// its whole life, stays within it.
#ifdef HOARD_HAVE_CUDA
#include "cuda_test_support.hpp"
#include "test_cuda.hpp"

#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/cuda_model.hpp"
#include "backend/cuda/device_weights.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "synth/model_shape.hpp"
#include "synth/synthetic_model.hpp"

#include <QtTest>

#include <filesystem>

using namespace hoard;
using namespace hoard::test::cuda;
using backend::cuda::CudaModel;
using backend::cuda::CudaModelOptions;

namespace {

constexpr size_t MiB = size_t(1) << 20;

size_t free_device_bytes() {
    size_t free = 0, total = 0;
    check_cuda(cudaDeviceSynchronize(), "synchronizing");
    device_memory_info(free, total);
    return free;
}

} // namespace

void TestCuda::allocatorRefusesOverBudget() {
    DeviceMemory memory(64 * MiB);
    const size_t before = free_device_bytes();
    {
        DeviceBuffer a = memory.allocate(40 * MiB, "first buffer");
        QCOMPARE(memory.used(), 40 * MiB);
        QVERIFY(before - free_device_bytes() >= 40 * MiB); // really allocated
        try {
            DeviceBuffer b = memory.allocate(30 * MiB, "second buffer");
            QFAIL("an allocation past the budget was granted");
        } catch (const Error& e) {
            qInfo("refused as expected: %s", e.what());
            QVERIFY(std::string(e.what()).find("budget") != std::string::npos);
            QVERIFY(std::string(e.what()).find("second buffer") != std::string::npos);
        }
        QCOMPARE(memory.used(), 40 * MiB);
        DeviceBuffer c = memory.allocate(24 * MiB, "third buffer"); // exactly up to the budget
        QCOMPARE(memory.used(), 64 * MiB);
    }
    QCOMPARE(memory.used(), size_t(0));
    QCOMPARE(memory.peak(), 64 * MiB);
    QVERIFY(memory.allocate(3 * MiB, "odd size").bytes() == 3 * MiB);
    QCOMPARE(memory.peak(), 64 * MiB); // 3 MiB counts as 4 (2 MiB pages), freed at once
}

void TestCuda::modelStaysWithinBudget() {
    // The synthetic default model: always available, no reference data needed.
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / "hoard-cuda-budget-test.gguf";
    synth::write_synthetic_model(synth::find_shape("hoard-tiny-moe"), synth::SynthOptions{}, path);
    const auto m = model::Model::load(gguf::GgufFile::open(path));
    std::filesystem::remove(path); // the mapping stays valid
    const size_t weights = DeviceMemory::counted_size(backend::cuda::device_weight_bytes(*m));
    std::vector<int32_t> prompt(100);
    for (size_t i = 0; i < prompt.size(); ++i)
        prompt[i] = int32_t((i * 7919) % m->config().n_vocab);

    auto run = [&](CudaModel& gpu) {
        auto cache = gpu.make_cache(256);
        std::vector<float> logits;
        gpu.eval(*cache, prompt, model::LogitsMode::All, logits);
        for (int i = 0; i < 4; ++i) {
            const int32_t one[] = {int32_t(i)};
            gpu.eval(*cache, one, model::LogitsMode::Last, logits);
        }
    };
    // Once first, so that lazily loaded kernels and the driver's own
    // allocations are in place before measuring.
    {
        const auto warm = CudaModel::load(*m, CudaModelOptions{});
        run(*warm);
    }

    // Too small for the weights: no model, and a reason that says so.
    CudaModelOptions tight;
    tight.memory_budget = weights / 2;
    std::string reason;
    QVERIFY(CudaModel::create(*m, tight, reason) == nullptr);
    qInfo("budget %zu MiB refused: %s", tight.memory_budget / MiB, reason.c_str());
    QVERIFY(reason.find("budget") != std::string::npos);

    CudaModelOptions options;
    options.memory_budget = weights + 96 * MiB;
    const size_t before = free_device_bytes();
    const auto gpu = CudaModel::load(*m, options);
    run(*gpu);
    const size_t during = free_device_bytes();
    const size_t taken = before > during ? before - during : 0;
    qInfo("budget %zu MiB: counted peak %zu MiB, cudaMemGetInfo shows %zu MiB taken",
          options.memory_budget / MiB, gpu->memory().peak() / MiB, taken / MiB);
    QVERIFY(gpu->memory().peak() <= options.memory_budget);
    QVERIFY(taken <= options.memory_budget);
    // A cache the remaining budget cannot hold is refused, not allocated.
    try {
        gpu->make_cache(size_t(1) << 22);
        QFAIL("a KV cache past the budget was granted");
    } catch (const Error& e) {
        QVERIFY(std::string(e.what()).find("budget") != std::string::npos);
    }
    QVERIFY(gpu->memory().peak() <= options.memory_budget);
}

#endif // HOARD_HAVE_CUDA
