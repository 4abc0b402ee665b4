#pragma once
// The GPU as the offload engine's device (offload::DeviceBackend): expert
// copies in fixed-size slots under the model's memory budget, loads over the
// link (LinkCopies: pinned host memory → copy stream, events), and the expert
// step of each layer on the compute stream of the forward pass
// (ResidentLayerDevice): device experts read the layer's activations where
// the pass left them, wait for their copies on the device, and write their
// outputs where the pass's mixture reads them; CPU experts' outputs are copied
// up into the same place.
#include "backend/cuda/cublas_prefill.hpp"
#include "backend/cuda/device_kv_cache.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/expert_slots.hpp"
#include "backend/cuda/link_copies.hpp"
#include "offload/device_backend.hpp"
#include "offload/host_expert_tier.hpp"
#include "offload/slot_classes.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hoard::backend::cuda {

// Page-locked host memory for the expert store's host copies: the copy
// engine reads it at the link's full speed (pageable memory goes through the
// driver's own staging at a fraction of it).
offload::HostAllocator pinned_host_allocator();

struct ExpertDeviceOptions {
    // High (and shared low) copies: one arena per slot class, smallest first.
    std::vector<offload::SlotClass> high_classes;
    size_t low_slot_bytes = 0, n_low_slots = 0; // 0 slots: low copies share the high slots
    size_t max_tokens = 512;                    // a pass's largest batch
    size_t split_bytes = 0; // room for one layer's split-expert parts (0: no splits)
    size_t n_expert = 0, n_expert_used = 0, n_embd = 0;
    double link_bytes_per_second = 25e9; // until measured
    std::string device_name;
};

class CudaExpertDevice final : public offload::DeviceBackend, public offload::ResidentLayerDevice {
  public:
    using Clock = std::chrono::steady_clock;
    // Allocates the slots and the step's working memory from `memory`; throws
    // hoard::Error when they do not fit its budget.
    CudaExpertDevice(std::shared_ptr<DeviceMemory> memory, const ExpertDeviceOptions& options,
                     Clock::time_point epoch);
    ~CudaExpertDevice() override;

    // Bytes a slot arena of n slots takes (as DeviceMemory counts it), and
    // the step's working memory, for planning before construction.
    static size_t arena_bytes(size_t slot_bytes, size_t n_slots);
    static size_t workspace_bytes(const ExpertDeviceOptions& options);

    // The forward pass's buffers and stream for the coming layers.
    void bind(const PassBuffers* buffers, cudaStream_t stream);
    // A MoE layer begins (its routing is on the host): resets the staging.
    void begin_layer();
    // Large prefill batches multiply through cuBLAS (null: the int8 products).
    void set_cublas(CublasPrefill* cublas) { cublas_ = cublas; }

    // offload::DeviceBackend
    std::string description() const override;
    uint64_t capacity() const override { return memory_->budget(); }
    uint64_t used_bytes() const override { return memory_->used(); }
    uint64_t peak_bytes() const override { return memory_->peak(); }
    offload::DeviceBuffer allocate(uint64_t bytes, bool backed = true) override;
    offload::DeviceBuffer allocate_copy(uint64_t bytes, telemetry::Precision p) override;
    void release(offload::DeviceBuffer& buffer) override;
    offload::CopyTicket copy_to_device(const offload::DeviceBuffer& dst, const uint8_t* src,
                                       uint64_t bytes, offload::CopyPriority priority) override;
    bool copy_finished(offload::CopyTicket ticket) override { return link_.finished(ticket); }
    void promote(offload::CopyTicket ticket) override { link_.promote(ticket); }
    void cancel(offload::CopyTicket ticket) override { link_.cancel(ticket); }
    double wait(offload::CopyTicket ticket) override { return link_.wait(ticket); }
    void take_records(std::vector<offload::CopyRecord>& out) override { link_.take_records(out); }
    double background_backlog_seconds() const override { return link_.backlog_seconds(); }
    // Not used: this device takes the expert step through resident_layers().
    void compute_expert(const model::ExpertMatrices& weights, const float* inputs, size_t m,
                        size_t n_embd, size_t n_ff, float* outputs,
                        backend::cpu::ThreadPool& pool) override;
    double seconds_now() const override { return link_.seconds_now(); }
    offload::ResidentLayerDevice* resident_layers() override { return this; }
    uint64_t copy_footprint(uint64_t bytes, telemetry::Precision p) const override;

    // offload::ResidentLayerDevice
    void run_experts(const model::MoeLayerWork& work,
                     std::span<const offload::DeviceExpertRun> runs) override;
    void finish_layer(const model::MoeLayerWork& work, const float* outputs,
                      std::span<const std::pair<uint32_t, uint32_t>> cpu,
                      std::span<const std::pair<uint32_t, uint32_t>> added,
                      std::span<const std::pair<uint32_t, uint32_t>> skipped) override;
    offload::CopyTicket split_expert(const model::MoeLayerWork& work,
                                     const model::ExpertMatrices& host, uint32_t first_row,
                                     uint32_t index) override;

    double link_bytes_per_second() const { return link_.bytes_per_second(); }
    size_t n_high_slots() const;
    size_t n_low_slots() const { return low_ ? low_->size() : 0; }
    size_t split_bytes() const { return split_area_.bytes(); } // 0: no splits

  private:
    struct Located {
        ExpertSlots* arena = nullptr;
        uint32_t slot = 0;
    };
    Located locate(uint64_t buffer_id);
    offload::DeviceBuffer take_slot(size_t arena_index, uint64_t bytes); // of arenas_
    // Staging for the step's small uploads: host (pinned) and device halves.
    template <class T> T* stage(size_t count, T*& device);
    void upload_staged(size_t from);
    void launch_group(const model::MoeLayerWork& work,
                      std::span<const offload::DeviceExpertRun* const> runs, ExpertSlots& arena);

    std::shared_ptr<DeviceMemory> memory_;
    ExpertDeviceOptions options_;
    std::vector<std::unique_ptr<ExpertSlots>> high_; // one per slot class
    std::unique_ptr<ExpertSlots> low_;
    std::vector<ExpertSlots*> arenas_; // buffer ids name these: high classes, then low
    LinkCopies link_;
    DeviceBuffer work_;    // device half of the staging
    PinnedBuffer staging_; // host half
    size_t staged_ = 0;    // bytes of staging used by this layer
    const PassBuffers* buffers_ = nullptr;
    cudaStream_t stream_ = nullptr;
    uint64_t next_unbacked_ = 1;
    CublasPrefill* cublas_ = nullptr;
    std::vector<ExpertProducts> cublas_groups_;
    DeviceBuffer split_area_; // this layer's split-expert parts
    size_t split_used_ = 0;
    Event split_last_use_; // after the kernels that read the split parts
};

} // namespace hoard::backend::cuda
