#include "backend/cpu/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace hoard::backend::cpu {
namespace {

thread_local bool t_inside_pool = false;
thread_local size_t t_chunk = 0;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Polls `ready` for up to `spin`; true when it became true.
template <class Pred> bool spin_until(Pred ready, std::chrono::microseconds spin) {
    const auto deadline = std::chrono::steady_clock::now() + spin;
    for (;;) {
        for (int i = 0; i < 128; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
    }
}

} // namespace

ThreadPool::ThreadPool(size_t n_threads, std::chrono::microseconds spin) : spin_(spin) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    workers_.reserve(n_threads - 1);
    for (size_t i = 1; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(size_t n, Invoke invoke, const void* fn) {
    if (n == 0) return;
    if (t_inside_pool || workers_.empty() || n == 1) {
        invoke(fn, t_inside_pool ? t_chunk : 0, 0, n);
        return;
    }

    std::lock_guard call_lock(call_mutex_);
    Job job{invoke, fn, n, std::min(size(), n)};
    uint32_t generation = 0;
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        job_ = job;
        error_ = nullptr;
        pending_.store(job.n_chunks, std::memory_order_relaxed);
        generation = generation_.load(std::memory_order_relaxed) + 1;
        ticket_.store(uint64_t(generation) << 32, std::memory_order_relaxed);
        generation_.store(generation, std::memory_order_release);
        wake = sleeping_workers_ > 0;
    }
    if (wake) work_cv_.notify_all();

    run_chunks(job, generation);

    auto done = [this] { return pending_.load(std::memory_order_acquire) == 0; };
    std::exception_ptr error;
    {
        if (!spin_until(done, spin_)) {
            std::unique_lock lock(mutex_);
            caller_sleeping_ = true;
            done_cv_.wait(lock, done);
            caller_sleeping_ = false;
        }
        std::lock_guard lock(mutex_);
        error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
}

void ThreadPool::worker_loop() {
    uint32_t seen = 0;
    for (;;) {
        const bool woke =
            spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; }, spin_);
        Job job;
        {
            std::unique_lock lock(mutex_);
            if (!woke) {
                ++sleeping_workers_;
                work_cv_.wait(lock, [&] {
                    return stop_ || generation_.load(std::memory_order_relaxed) != seen;
                });
                --sleeping_workers_;
            }
            if (stop_) return;
            job = job_;
            seen = generation_.load(std::memory_order_relaxed);
        }
        run_chunks(job, seen);
    }
}

void ThreadPool::run_chunks(const Job& job, uint32_t generation) {
    uint64_t ticket = ticket_.load(std::memory_order_acquire);
    for (;;) {
        if (uint32_t(ticket >> 32) != generation) return;
        const size_t chunk = size_t(ticket & 0xffffffffu);
        if (chunk >= job.n_chunks) return;
        if (ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel)) {
            run_chunk(job, chunk);
            ticket = ticket_.load(std::memory_order_acquire);
        }
    }
}

void ThreadPool::run_chunk(const Job& job, size_t chunk) {
    const size_t base = job.n / job.n_chunks;
    const size_t extra = job.n % job.n_chunks;
    const size_t begin = chunk * base + std::min(chunk, extra);
    const size_t end = begin + base + (chunk < extra ? 1 : 0);

    const bool was_inside = std::exchange(t_inside_pool, true);
    const size_t outer_chunk = std::exchange(t_chunk, chunk);
    try {
        job.invoke(job.fn, chunk, begin, end);
    } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
    }
    t_inside_pool = was_inside;
    t_chunk = outer_chunk;

    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(mutex_);
        if (caller_sleeping_) done_cv_.notify_one();
    }
}

} // namespace hoard::backend::cpu
