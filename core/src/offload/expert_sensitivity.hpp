#pragma once
// Per-expert bitwidth by measured sensitivity (after EdgeMoE): run the model
// over a calibration text, keep each layer's normalized expert inputs, and
// measure how far every expert's output moves when its weights go to the
// low format: relative error ‖y_low − y_high‖² / ‖y_high‖² summed over the
// calibration rows. The most sensitive experts keep a wider low format.
//
// Every expert of a layer is measured on the same rows (the layer's inputs for
// all calibration tokens, not only those routed to it), so rarely chosen
// experts are measured as well as popular ones.
#include "backend/cpu/thread_pool.hpp"
#include "offload/expert_layout.hpp"
#include "quant/block_format.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace hoard::model {
class Model;
}

namespace hoard::offload {

struct SensitivityOptions {
    quant::BlockFormat low = quant::BlockFormat::Q2_K;       // most experts
    quant::BlockFormat sensitive = quant::BlockFormat::Q4_K; // the most sensitive ones
    double sensitive_fraction = 0.25; // share of all experts (over all layers) kept wider
    size_t max_rows = 64;             // calibration rows per layer
};

// Relative output error of each expert (layer-major) at `low`, measured on
// the layer inputs of `calibration` (token ids). Throws hoard::Error for an
// empty calibration or a token outside the vocabulary. Uses the model's
// executor seam while it runs, so the model must not be evaluated elsewhere
// meanwhile, and must have no executor of its own yet.
std::vector<double> measure_expert_sensitivity(model::Model& model, const ExpertCatalog& catalog,
                                               std::span<const int32_t> calibration,
                                               quant::BlockFormat low, size_t max_rows,
                                               backend::cpu::ThreadPool& pool,
                                               const std::function<void(double)>& progress = {});

// Formats per expert: the `sensitive_fraction` with the largest errors get
// options.sensitive, the others options.low.
std::vector<quant::BlockFormat> formats_by_sensitivity(std::span<const double> errors,
                                                       const SensitivityOptions& options);

} // namespace hoard::offload
