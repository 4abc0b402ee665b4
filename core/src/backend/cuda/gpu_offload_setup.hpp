#pragma once
// Puts the offload engine together on the GPU: an expert store in page-locked
// host memory (low copies made by the GPU quantizer where it can), the model
// on the GPU under the budget (CudaOffloadModel) and the executor over its
// expert device. Inline, so that programs linking the CUDA backend pull in
// the offload layer they call here (hoard_cuda itself does not depend on it).
#include "backend/cuda/cuda_offload_model.hpp"
#include "backend/cuda/gpu_quantizer.hpp"
#include "hoard/offload.hpp"
#include "offload/offload_setup.hpp"

#include <algorithm>
#include <memory>
#include <thread>

namespace hoard::backend::cuda {

// Store options for the GPU: pinned host copies read by several threads, and
// q2_K low copies made on the GPU (others by the CPU quantizer).
inline offload::StoreOptions gpu_store_options(std::shared_ptr<GpuExpertQuantizer> quantizer) {
    offload::StoreOptions o;
    o.host_allocator = pinned_host_allocator();
    o.preload_threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    if (quantizer) {
        o.quantizer = [quantizer](const offload::ExpertLayout& high,
                                  std::span<const uint8_t> model_bytes, quant::BlockFormat format,
                                  std::vector<uint8_t>& out) {
            if (GpuExpertQuantizer::supports(format))
                return quantizer->quantize(high, model_bytes, format, out);
            return offload::quantize_expert(high, model_bytes, format, out);
        };
        o.quantizer_name = "gpu-minmax";
    }
    return o;
}

struct GpuOffload {
    std::shared_ptr<offload::OffloadExecutor> executor;
    std::unique_ptr<CudaOffloadModel> model; // evaluates through the executor
};

// The model on the GPU under options.device_bytes (0: the free memory less
// 1 GiB) with the executor over `store`. `cpu_bytes_per_second`: where the
// CPU experts' measured rate starts (0: a modest guess; too low a guess and
// the CPU is never chosen, so never measured). Throws hoard::Error.
inline GpuOffload
start_gpu_offload(const model::Model& model, std::shared_ptr<offload::ExpertStore> store,
                  const OffloadOptions& options, size_t n_ctx, telemetry::EventBus* bus,
                  std::chrono::steady_clock::time_point epoch, double cpu_bytes_per_second = 0) {
    const offload::ExpertCatalog& catalog = store->catalog();
    CudaOffloadOptions o;
    o.memory_budget = options.device_bytes;
    o.n_ctx = n_ctx;
    o.high_copy_bytes = catalog.max_blob_bytes(telemetry::Precision::High);
    std::vector<uint64_t> sizes;
    for (uint32_t l = 0; l < catalog.n_layer(); ++l)
        for (uint32_t e = 0; e < catalog.n_expert(); ++e)
            sizes.push_back(catalog.layout(l, e, telemetry::Precision::High).blob_bytes);
    o.plan_slot_classes = [sizes](const offload::SlotClassRequest& r) {
        return offload::plan_slot_classes(sizes, r);
    };
    o.low_copy_bytes = options.low_precision && catalog.has_low()
                           ? catalog.max_blob_bytes(telemetry::Precision::Low)
                           : 0;
    o.separate_pools = options.separate_pools;
    o.split_experts = options.split_experts;
    o.low_pool_share = options.low_pool_share;
    o.expert_bytes_high = catalog.total_blob_bytes(telemetry::Precision::High);
    o.link_bytes_per_second = options.link_gbps * 1e9;
    GpuOffload g;
    g.model = std::make_unique<CudaOffloadModel>(model, o, epoch);
    offload::ExecutorRates rates;
    // The GPU streams an expert's weights at about half its memory bandwidth
    // on the decode path; its expert work is not timed (it runs in stream
    // order), so this rate stays as given.
    rates.device_bytes_per_second = 0.5 * g.model->device_info().memory_bandwidth;
    if (!(rates.device_bytes_per_second > 0)) rates.device_bytes_per_second = 500e9;
    // Beside a GPU the cores are free for CPU experts: all but two (the pass
    // and the copies need theirs) unless the caller chose.
    OffloadOptions resolved = options;
    if (resolved.cpu_threads == 0) {
        const size_t cores = std::max(1u, std::thread::hardware_concurrency());
        resolved.cpu_threads = cores > 3 ? cores - 2 : 1;
    }
    // A guess that scales with the threads (about 6 GB/s of weights per core
    // on the H200 host), until the first CPU experts are timed.
    rates.cpu_bytes_per_second = cpu_bytes_per_second > 0
                                     ? cpu_bytes_per_second
                                     : std::max(12e9, 5e9 * double(resolved.cpu_threads));
    rates.measure_device = false;
    offload::DeviceBuffer none;
    g.executor = offload::start_executor(model, std::move(store), g.model->take_device(), none,
                                         g.model->plan(), resolved, bus, epoch, rates);
    g.model->set_executor(g.executor);
    return g;
}

} // namespace hoard::backend::cuda
