#include "test_cuda.hpp"

#include <QtTest>

#ifdef HOARD_HAVE_CUDA
#include "backend/cuda/cuda_device.hpp"

void TestCuda::initTestCase() {
    std::string reason;
    const auto device = hoard::backend::cuda::find_device(reason);
    if (!device) QSKIP(reason.c_str());
    qInfo("GPU: %s, compute capability %d.%d, %d multiprocessors, %.1f GiB (%.1f GiB free)",
          device->name.c_str(), device->compute_major, device->compute_minor,
          device->multiprocessors, double(device->total_bytes) / double(1 << 30),
          double(device->free_bytes) / double(1 << 30));
}

#else
// Built without CUDA: every test is skipped by initTestCase; the others only
// need to exist.
void TestCuda::initTestCase() {
    QSKIP("no CUDA device: this build has no CUDA backend (HOARD_CUDA=OFF)");
}
void TestCuda::dequantizeExact_data() {}
void TestCuda::dequantizeExact() {}
void TestCuda::matvecMatchesReference_data() {}
void TestCuda::matvecMatchesReference() {}
void TestCuda::gemmMatchesReference_data() {}
void TestCuda::gemmMatchesReference() {}
void TestCuda::mmqMatchesReference_data() {}
void TestCuda::mmqMatchesReference() {}
void TestCuda::normalizeAndEncode() {}
void TestCuda::ropeAndCache_data() {}
void TestCuda::ropeAndCache() {}
void TestCuda::attentionMatchesCpu_data() {}
void TestCuda::attentionMatchesCpu() {}
void TestCuda::routingMatchesCpu_data() {}
void TestCuda::routingMatchesCpu() {}
void TestCuda::conformance_data() {}
void TestCuda::conformance() {}
void TestCuda::greedyDecoding_data() {}
void TestCuda::greedyDecoding() {}
void TestCuda::graphReplayMatchesDirect() {}
void TestCuda::syntheticModelMatchesCpu() {}
void TestCuda::dequantizeHalfExact() {}
void TestCuda::cublasPrefillMatchesCpu() {}
void TestCuda::cublasPrefillConformance() {}
void TestCuda::allocatorRefusesOverBudget() {}
void TestCuda::modelStaysWithinBudget() {}
void TestCuda::offloadMatchesResidentModel() {}
void TestCuda::offloadUnderBudgetWithCpuAndLoads() {}
void TestCuda::offloadStaysWithinBudget() {}
void TestCuda::offloadLowPrecision() {}
void TestCuda::offloadSplitExperts() {}
void TestCuda::gpuQuantizerQuality() {}
void TestCuda::facadeRunsOnTheGpu() {}
#endif

QTEST_APPLESS_MAIN(TestCuda)
