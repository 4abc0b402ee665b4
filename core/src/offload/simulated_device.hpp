#pragma once
// A device simulated on the CPU, so the offload engine runs and is tested
// without a GPU: its memory is host memory held to a budget, its compute
// queue runs the CPU kernels on the caller's thread pool, and its link is a
// copy thread that moves bytes no faster than a set bandwidth (default
// 25 GB/s, PCIe 4.0 x16). Loads therefore overlap with compute as they would
// on a GPU's copy engine. Background copies move in chunks so that a demand
// copy waits at most one chunk.
#include "offload/device_backend.hpp"
#include "offload/expert_compute.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace hoard::offload {

struct SimulatedDeviceConfig {
    uint64_t memory_bytes = 0;
    double link_bytes_per_second = 25e9;
    double link_latency_seconds = 10e-6;
    uint64_t background_chunk_bytes = 256 << 10;
};

class SimulatedDevice final : public DeviceBackend {
  public:
    using Clock = std::chrono::steady_clock;
    // Throws hoard::Error for a zero budget or a bandwidth that is not positive.
    SimulatedDevice(const SimulatedDeviceConfig& config, Clock::time_point epoch);
    ~SimulatedDevice() override;

    std::string description() const override;
    uint64_t capacity() const override { return config_.memory_bytes; }
    uint64_t used_bytes() const override { return used_.load(); }
    uint64_t peak_bytes() const override { return peak_.load(); }
    DeviceBuffer allocate(uint64_t bytes, bool backed = true) override;
    void release(DeviceBuffer& buffer) override;

    CopyTicket copy_to_device(const DeviceBuffer& dst, const uint8_t* src, uint64_t bytes,
                              CopyPriority priority) override;
    bool copy_finished(CopyTicket ticket) override;
    void promote(CopyTicket ticket) override;
    void cancel(CopyTicket ticket) override;
    double wait(CopyTicket ticket) override;
    void take_records(std::vector<CopyRecord>& out) override;
    double background_backlog_seconds() const override;

    void compute_expert(const model::ExpertMatrices& weights, const float* inputs, size_t m,
                        size_t n_embd, size_t n_ff, float* outputs,
                        backend::cpu::ThreadPool& pool) override;

    double seconds_now() const override;
    double link_busy_seconds() const;

  private:
    struct Job {
        uint8_t* dst = nullptr;
        const uint8_t* src = nullptr;
        uint64_t bytes = 0, moved = 0;
        bool demand = false;
        bool running = false;
        bool cancel_requested = false;
        double t_start = -1;
    };
    void copy_loop();
    void finish(CopyTicket ticket, Job& job, bool cancelled, double t_end); // under mutex_
    void remove_from_queues(CopyTicket ticket);                             // under mutex_

    SimulatedDeviceConfig config_;
    Clock::time_point epoch_;

    std::mutex memory_mutex_;
    std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> memory_;
    // Released blocks by size, kept for reuse (expert copies come in a few
    // sizes), so that a load does not pay for fresh pages; at most the
    // budget's worth. They do not count as used device memory.
    std::unordered_map<uint64_t, std::vector<std::unique_ptr<uint8_t[]>>> spare_;
    uint64_t spare_bytes_ = 0;
    uint64_t next_buffer_ = 1;
    std::atomic<uint64_t> used_{0}, peak_{0};

    mutable std::mutex mutex_;
    std::condition_variable work_cv_, done_cv_;
    std::deque<CopyTicket> demand_queue_, background_queue_;
    std::unordered_map<CopyTicket, Job> jobs_; // queued or running
    std::vector<CopyRecord> records_;
    CopyTicket next_ticket_ = 1;
    double busy_seconds_ = 0;
    bool stop_ = false;
    std::thread thread_;

    ExpertScratch scratch_; // compute queue (engine thread)
};

} // namespace hoard::offload
