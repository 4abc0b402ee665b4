#pragma once
// CPU fallback (after Fiddler): experts computed on the CPU from their host
// copies, on threads of their own, while the device runs the others and the
// link loads more. Jobs of one layer are submitted, then waited for together.
// The threads poll for `spin` before they sleep: beside a GPU, a decode
// layer's misses come every few hundred microseconds while the cores are
// otherwise idle, and a job should not wait for a dozen threads to wake
// (HOARD_CPU_EXPERT_SPIN_US overrides it, for measurements).
#include "backend/cpu/thread_pool.hpp"
#include "model/expert_source.hpp"
#include "offload/expert_compute.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hoard::offload {

class CpuExpertWorker {
  public:
    using Clock = std::chrono::steady_clock;
    struct Job {
        model::ExpertMatrices weights;
        const float* inputs = nullptr; // m rows of n_embd
        size_t m = 0, n_embd = 0, n_ff = 0;
        float* outputs = nullptr;      // m rows of n_embd
        double t_start = 0, t_end = 0; // seconds since the epoch, once run
    };

    static constexpr std::chrono::microseconds kDefaultSpin =
        backend::cpu::ThreadPool::kDefaultSpin;
    static constexpr std::chrono::microseconds kBesideGpuSpin{2000};

    // n_threads: threads computing CPU experts (at least 1).
    CpuExpertWorker(size_t n_threads, Clock::time_point epoch,
                    std::chrono::microseconds spin = kDefaultSpin);
    ~CpuExpertWorker();
    CpuExpertWorker(const CpuExpertWorker&) = delete;
    CpuExpertWorker& operator=(const CpuExpertWorker&) = delete;

    // Starts the job; returns its index among the jobs since the last clear().
    size_t submit(const Job& job);
    // Blocks until every submitted job ran; rethrows the first failure.
    void wait_all();
    const Job& job(size_t index) const { return jobs_[index]; }
    size_t n_jobs() const { return jobs_.size(); }
    // Forgets finished jobs (call after wait_all()).
    void clear();

  private:
    void loop();

    Clock::time_point epoch_;
    std::chrono::microseconds spin_;
    backend::cpu::ThreadPool pool_;
    std::atomic<uint64_t> submitted_{0}; // jobs ever submitted (the poll's signal)
    ExpertScratch scratch_;
    std::mutex mutex_;
    std::condition_variable work_cv_, done_cv_;
    std::vector<Job> jobs_;
    size_t next_ = 0, finished_ = 0;
    std::exception_ptr error_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace hoard::offload
