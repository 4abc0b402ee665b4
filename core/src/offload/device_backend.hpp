#pragma once
// The seam between the offload engine and an accelerator: device memory in
// buffers with an owner tier, a copy queue (host → device, with events that
// can be waited on, promoted and cancelled) and a compute queue. The
// simulated device implements it in CI; a CUDA backend will implement the
// same interface (pinned host buffers, cudaMemcpyAsync on a copy stream,
// expert kernels on a compute stream, events between them).
#include "backend/cpu/thread_pool.hpp"
#include "model/expert_executor.hpp"
#include "model/expert_source.hpp"
#include "telemetry/events.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hoard::offload {

enum class MemoryTier : uint8_t { Device, Host, Storage };
const char* tier_name(MemoryTier tier);

struct DeviceBuffer {
    uint64_t id = 0;         // 0: no buffer
    uint8_t* data = nullptr; // null for an accounting-only reservation
    uint64_t bytes = 0;
    MemoryTier owner = MemoryTier::Device;
    bool valid() const { return id != 0; }
};

enum class CopyPriority : uint8_t {
    Demand,     // a layer waits for it: runs before any background copy
    Background, // prefetches and loads behind: spare link time only
};

using CopyTicket = uint64_t; // 0: none

// A finished (or cancelled) copy, for counters and telemetry.
struct CopyRecord {
    CopyTicket ticket = 0;
    uint64_t bytes = 0; // bytes actually moved
    bool cancelled = false;
    double t_start = 0, t_end = 0; // seconds since the device's epoch
};

// One expert of a layer that the device computes, as handed to a
// ResidentLayerDevice: its copy, the load it waits for, and its pairs.
struct DeviceExpertRun {
    uint64_t buffer = 0;           // the DeviceBuffer id of its copy
    model::ExpertMatrices weights; // views of the copy in device memory
    CopyTicket copy = 0;           // the load it must wait for (0: none)
    uint32_t begin = 0, m = 0;     // its pairs: work.routed[begin … begin + m)
};

// A device that evaluates the model's other layers itself (a GPU) keeps a MoE
// layer's activations in its own memory. The executor hands it the layer's
// device experts in batches, which it queues behind their copies (without
// waiting for them), and then the CPU experts' outputs; the device adds the
// gate-weighted mixture to its residual stream. A copy released after its
// experts were queued is reused only once they have run.
class ResidentLayerDevice {
  public:
    virtual ~ResidentLayerDevice() = default;
    virtual void run_experts(const model::MoeLayerWork& work,
                             std::span<const DeviceExpertRun> runs) = 0;
    // `outputs` holds the CPU experts' rows for the pairs routed[begin …
    // begin + m) of each range in `cpu` (row i for routed index i); the pairs
    // in `skipped` add nothing.
    // `added`: CPU rows of split experts, which add to their device parts'.
    virtual void finish_layer(const model::MoeLayerWork& work, const float* outputs,
                              std::span<const std::pair<uint32_t, uint32_t>> cpu,
                              std::span<const std::pair<uint32_t, uint32_t>> added,
                              std::span<const std::pair<uint32_t, uint32_t>> skipped) = 0;
    // Decode: the device part of a split expert (expert_split.hpp) of the
    // host copy `host`, rows [first_row, n_ff), for the pair routed[index]:
    // copied over the link at once and queued behind the copy. Returns its
    // copy, or 0 when the device cannot take it (the CPU then computes all).
    virtual CopyTicket split_expert(const model::MoeLayerWork&, const model::ExpertMatrices&,
                                    uint32_t /*first_row*/, uint32_t /*index*/) {
        return 0;
    }
};

class DeviceBackend {
  public:
    virtual ~DeviceBackend() = default;
    virtual std::string description() const = 0;

    // Device memory: a budget that allocations never exceed.
    virtual uint64_t capacity() const = 0;
    virtual uint64_t used_bytes() const = 0;
    virtual uint64_t peak_bytes() const = 0;
    // Throws hoard::Error when the budget cannot hold `bytes` more. With
    // `backed` false the memory is only accounted (what the device must hold
    // but the engine does not move through this seam: weights outside the
    // experts, the KV cache, workspace).
    virtual DeviceBuffer allocate(uint64_t bytes, bool backed = true) = 0;
    // Memory for an expert copy taking `bytes` (its copy_footprint): a device
    // with pools per precision or size takes it from the pool the expert
    // cache counted it in.
    virtual DeviceBuffer allocate_copy(uint64_t bytes, telemetry::Precision) {
        return allocate(bytes);
    }
    virtual void release(DeviceBuffer& buffer) = 0;

    // Copy queue. `src` must stay valid and unchanged until the copy is
    // finished or cancelled.
    virtual CopyTicket copy_to_device(const DeviceBuffer& dst, const uint8_t* src, uint64_t bytes,
                                      CopyPriority priority) = 0;
    virtual bool copy_finished(CopyTicket ticket) = 0;
    virtual void promote(CopyTicket ticket) = 0; // a background copy becomes a demand copy
    // Returns once the copy no longer touches its buffers (it may have finished).
    virtual void cancel(CopyTicket ticket) = 0;
    // Blocks until the copy is done (promoting it); returns the seconds waited.
    virtual double wait(CopyTicket ticket) = 0;
    virtual void take_records(std::vector<CopyRecord>& out) = 0; // appends, then forgets them
    // Link time the queued background copies still need.
    virtual double background_backlog_seconds() const = 0;

    // Compute queue: runs one expert over m rows of inputs (n_embd each) into
    // m rows of outputs, in order with the device's other compute; returns
    // when the outputs are ready.
    virtual void compute_expert(const model::ExpertMatrices& weights, const float* inputs, size_t m,
                                size_t n_embd, size_t n_ff, float* outputs,
                                backend::cpu::ThreadPool& pool) = 0;

    virtual double seconds_now() const = 0; // the clock of the records

    // A device whose layers run on it takes the expert step through this
    // (then compute_expert is not used); null for one that computes experts
    // from host buffers.
    virtual ResidentLayerDevice* resident_layers() { return nullptr; }
    // Bytes of device memory a copy of `bytes` takes (a device with slots of
    // fixed size rounds up); the expert cache counts these.
    virtual uint64_t copy_footprint(uint64_t bytes, telemetry::Precision) const { return bytes; }
};

} // namespace hoard::offload
