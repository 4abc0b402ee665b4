#include "offload/cpu_expert_worker.hpp"

#include <algorithm>
#include <cstdlib>

namespace hoard::offload {

namespace {

std::chrono::microseconds spin_time(std::chrono::microseconds fallback) {
    if (const char* v = std::getenv("HOARD_CPU_EXPERT_SPIN_US"))
        return std::chrono::microseconds(std::strtol(v, nullptr, 10));
    return fallback;
}

} // namespace

CpuExpertWorker::CpuExpertWorker(size_t n_threads, Clock::time_point epoch,
                                 std::chrono::microseconds spin)
    : epoch_(epoch), spin_(spin_time(spin)), pool_(std::max<size_t>(n_threads, 1), spin_) {
    thread_ = std::thread([this] { loop(); });
}

CpuExpertWorker::~CpuExpertWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
}

size_t CpuExpertWorker::submit(const Job& job) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(job);
    submitted_.fetch_add(1, std::memory_order_release);
    work_cv_.notify_one();
    return jobs_.size() - 1;
}

void CpuExpertWorker::wait_all() {
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [&] { return finished_ == jobs_.size(); });
    if (error_) {
        std::exception_ptr e = error_;
        error_ = nullptr;
        std::rethrow_exception(e);
    }
}

void CpuExpertWorker::clear() {
    std::lock_guard lock(mutex_);
    jobs_.clear();
    next_ = finished_ = 0;
}

void CpuExpertWorker::loop() {
    std::unique_lock lock(mutex_);
    uint64_t started = 0; // jobs this thread has taken (every submitted job, once)
    while (true) {
        if (!stop_ && next_ >= jobs_.size()) {
            // Poll a while before sleeping (see the header).
            lock.unlock();
            const auto deadline = Clock::now() + spin_;
            while (submitted_.load(std::memory_order_acquire) == started && Clock::now() < deadline)
                std::this_thread::yield();
            lock.lock();
        }
        work_cv_.wait(lock, [&] { return stop_ || next_ < jobs_.size(); });
        if (stop_) return;
        const size_t index = next_++;
        ++started;
        Job job = jobs_[index]; // the vector may grow while it runs
        lock.unlock();
        auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - epoch_).count(); };
        job.t_start = seconds();
        std::exception_ptr failure;
        try {
            compute_expert(pool_, job.weights, job.inputs, job.m, job.n_embd, job.n_ff, scratch_,
                           job.outputs);
        } catch (...) {
            failure = std::current_exception();
        }
        job.t_end = seconds();
        lock.lock();
        jobs_[index].t_start = job.t_start;
        jobs_[index].t_end = job.t_end;
        if (failure && !error_) error_ = failure;
        ++finished_;
        done_cv_.notify_all();
    }
}

} // namespace hoard::offload
