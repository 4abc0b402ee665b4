#pragma once
// Turns the user's offload settings into a running offload engine for a
// loaded model: checks them, builds or reuses the low-precision sidecar
// (measuring sensitivity when asked), plans the device budget, reserves what
// every token needs on the simulated device, fills host memory, and starts
// the executor.
#include "backend/cpu/thread_pool.hpp"
#include "hoard/offload.hpp"
#include "offload/low_precision_sidecar.hpp"
#include "offload/offload_executor.hpp"
#include "offload/offload_shape.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace hoard::telemetry {
class EventBus;
}

namespace hoard::offload {

// A computable block format by its name ("q4_K", "q2_K", "q4_0", ...);
// throws hoard::Error listing examples.
quant::BlockFormat block_format_by_name(const std::string& name);

// The low format experts of `bits_per_weight` get by default, or the first of
// q4_0, q8_0 whose blocks fit the rows when the K-quant's do not.
quant::BlockFormat choose_low_format(const ExpertCatalog& catalog, const std::string& requested);
// One step wider than `low` (q2_K → q3_K → q4_K → q5_K → q6_K; q4_0 → q5_0 → q8_0).
quant::BlockFormat wider_format(quant::BlockFormat low);

// The model's offload shape with the exact bytes of its copies as the
// catalog lays them out (largest per layer).
OffloadShape live_shape(const model::Model& model, const ExpertCatalog& catalog);

struct PreparedOffload {
    std::shared_ptr<OffloadExecutor> executor;
    OffloadSetup setup;
};

// Throws hoard::Error for bad settings (naming the setting), a budget that
// cannot hold what every token needs, or an unwritable cache folder.
// `default_n_ctx` is used when options.n_ctx is 0.
PreparedOffload prepare_offload(model::Model& model, const std::filesystem::path& model_path,
                                const OffloadOptions& options, size_t default_n_ctx,
                                telemetry::EventBus* bus, backend::cpu::ThreadPool& pool,
                                const BuildProgress& progress);

} // namespace hoard::offload
