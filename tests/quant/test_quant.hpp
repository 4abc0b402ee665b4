#pragma once
// Block formats against the CPU reference and quant-zoo.gguf: dequantization,
// kernels of every ISA, quantizers, float conversions, dispatch, benchmarks.
#include "quant/kernels.hpp"

#include <QObject>

Q_DECLARE_METATYPE(hoard::quant::BlockFormat)
Q_DECLARE_METATYPE(hoard::quant::Isa)

class TestQuant : public QObject {
    Q_OBJECT

  private slots:
    void dequantizeMatchesZoo_data();
    void dequantizeMatchesZoo();
    void zooMatmulMatchesReference_data();
    void zooMatmulMatchesReference();
    void scalarMatchesFloatReference_data();
    void scalarMatchesFloatReference();
    void isaMatchesScalar_data();
    void isaMatchesScalar();
    void quantizeRoundTrip_data();
    void quantizeRoundTrip();
    void quantizeSpecialRows_data();
    void quantizeSpecialRows();
    void fp16Conversions();
    void fp16MatchesHardware();
    void bf16Conversions();
    void badArgumentsThrow();
    void dispatchSelection();
    void benchmarksRun();
};
