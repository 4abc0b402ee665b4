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

#include <chrono>
#include <filesystem>
#include <functional>
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

// Throws hoard::Error naming a setting the offload engine cannot use.
void check_offload_options(const OffloadOptions& options);

// How prepare_store gets its memory and low copies: a GPU backend passes a
// page-locked host allocator, more reading threads, and its own quantizer
// for the low copies (its name goes into the sidecar's recipe).
struct StoreOptions {
    HostAllocator host_allocator; // unset: the heap
    size_t preload_threads = 1;
    ExpertQuantizer quantizer; // unset: quantize_expert on this thread
    std::string quantizer_name;
    // Called once the catalog has its low layouts, before host memory is
    // filled (a caller checks its budget there, before the long part).
    std::function<void(const ExpertCatalog&)> before_preload;
};

// The expert side of an offloaded model, whatever the device: the catalog,
// its low copies (built or reused) and host memory filled. Executors may
// share a store, one after another. Throws hoard::Error as prepare_offload.
struct PreparedStore {
    std::shared_ptr<ExpertStore> store;
    OffloadSetup setup; // the sidecar's part
};
PreparedStore prepare_store(model::Model& model, const std::filesystem::path& model_path,
                            const OffloadOptions& options, backend::cpu::ThreadPool& pool,
                            const BuildProgress& progress, const StoreOptions& store_options = {});

// Rates the cost model starts from where the options leave them to measuring.
struct ExecutorRates {
    double device_bytes_per_second = 20e9;
    double cpu_bytes_per_second = 10e9;
    bool measure_device = true; // a device that times its expert work
};

// The executor over a store and a device whose memory `plan` divides (the
// reservation holds what every token needs, when the device only counts it).
std::shared_ptr<OffloadExecutor>
start_executor(const model::Model& model, std::shared_ptr<ExpertStore> store,
               std::unique_ptr<DeviceBackend> device, DeviceBuffer reservation,
               const BudgetPlan& plan, const OffloadOptions& options, telemetry::EventBus* bus,
               std::chrono::steady_clock::time_point epoch, const ExecutorRates& rates);

// Throws hoard::Error for bad settings (naming the setting), a budget that
// cannot hold what every token needs, or an unwritable cache folder.
// `default_n_ctx` is used when options.n_ctx is 0.
PreparedOffload prepare_offload(model::Model& model, const std::filesystem::path& model_path,
                                const OffloadOptions& options, size_t default_n_ctx,
                                telemetry::EventBus* bus, backend::cpu::ThreadPool& pool,
                                const BuildProgress& progress);

} // namespace hoard::offload
