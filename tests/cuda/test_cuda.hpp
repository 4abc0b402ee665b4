#pragma once
// The CUDA backend against the CPU engine and the conformance references.
// Every check runs on the GPU; without one (or in a build without CUDA) the
// whole suite is skipped with the reason.
#include <QObject>
#include <QString>

class TestCuda : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();

    // Kernels (test_cuda_kernels.cpp)
    void dequantizeExact_data();
    void dequantizeExact();
    void matvecMatchesReference_data();
    void matvecMatchesReference();
    void gemmMatchesReference_data();
    void gemmMatchesReference();
    void mmqMatchesReference_data();
    void mmqMatchesReference();

    // Row operations, attention, routing (test_cuda_ops.cpp)
    void normalizeAndEncode();
    void ropeAndCache_data();
    void ropeAndCache();
    void attentionMatchesCpu_data();
    void attentionMatchesCpu();
    void routingMatchesCpu_data();
    void routingMatchesCpu();

    // The forward pass (test_cuda_model.cpp)
    void conformance_data();
    void conformance();
    void greedyDecoding_data();
    void greedyDecoding();
    void graphReplayMatchesDirect();
    void syntheticModelMatchesCpu();

    // Prefill through cuBLAS (test_cuda_cublas.cpp)
    void dequantizeHalfExact();
    void cublasPrefillMatchesCpu();
    void cublasPrefillConformance();

    // Device memory (test_cuda_memory.cpp)
    void allocatorRefusesOverBudget();
    void modelStaysWithinBudget();

    // The offload engine on the GPU (test_cuda_offload.cpp)
    void offloadMatchesResidentModel();
    void offloadUnderBudgetWithCpuAndLoads();
    void offloadStaysWithinBudget();
    void offloadLowPrecision();
    void offloadSplitExperts();
    void gpuQuantizerQuality();
    // The engine facade with Backend::Cuda (test_cuda_facade.cpp)
    void facadeRunsOnTheGpu();
};
