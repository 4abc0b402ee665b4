#pragma once
// A persistent pool of worker threads for data-parallel loops. Decode calls
// parallel_for hundreds of times per token, so a call costs no allocation and,
// while the workers are still spinning from the previous call, no system call.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hoard::backend::cpu {

class ThreadPool {
  public:
    // fn(chunk, begin, end): `chunk` < size() is unique among the chunks of one
    // call, so it can index per-thread scratch space.
    using ChunkFn = std::function<void(size_t chunk, size_t begin, size_t end)>;
    using RangeFn = std::function<void(size_t begin, size_t end)>;

    // How long an idle worker (or a waiting caller) polls before it sleeps by
    // default: long enough to bridge the serial work between two calls of one
    // decode step.
    static constexpr std::chrono::microseconds kDefaultSpin{200};

    // n_threads = 0 means one per hardware thread; the calling thread counts
    // as one. `spin`: how long idle workers poll before they sleep.
    explicit ThreadPool(size_t n_threads = 0, std::chrono::microseconds spin = kDefaultSpin);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    size_t size() const { return workers_.size() + 1; }

    // Splits [0, n) into at most size() contiguous chunks of nearly equal length
    // and runs fn on each, the calling thread taking part; returns when all are
    // done. The first exception thrown by fn is rethrown here. A call made from
    // inside fn runs inline on that thread.
    void parallel_for(size_t n, const RangeFn& fn) { parallel_for<RangeFn>(n, fn); }
    void parallel_for_chunks(size_t n, const ChunkFn& fn) { parallel_for_chunks<ChunkFn>(n, fn); }

    // The same for any callable, without wrapping it in a std::function (which
    // would allocate for a lambda with several captures): the hot path's form.
    template <class F> void parallel_for(size_t n, const F& fn) {
        run(
            n, [](const void* f, size_t, size_t b, size_t e) { (*static_cast<const F*>(f))(b, e); },
            &fn);
    }
    template <class F> void parallel_for_chunks(size_t n, const F& fn) {
        run(
            n,
            [](const void* f, size_t c, size_t b, size_t e) {
                (*static_cast<const F*>(f))(c, b, e);
            },
            &fn);
    }

  private:
    using Invoke = void (*)(const void* fn, size_t chunk, size_t begin, size_t end);
    struct Job {
        Invoke invoke = nullptr;
        const void* fn = nullptr;
        size_t n = 0;
        size_t n_chunks = 0;
    };

    void run(size_t n, Invoke invoke, const void* fn);

    void worker_loop();
    // Claims and runs chunks of job `generation` until none are left.
    void run_chunks(const Job& job, uint32_t generation);
    void run_chunk(const Job& job, size_t chunk);

    std::chrono::microseconds spin_;
    std::vector<std::thread> workers_;
    std::mutex call_mutex_; // one parallel_for at a time from outside the pool

    std::mutex mutex_; // guards job_, stop_, sleeping counts
    std::condition_variable work_cv_;
    std::condition_variable done_cv_;
    Job job_;
    bool stop_ = false;
    size_t sleeping_workers_ = 0;
    bool caller_sleeping_ = false;

    std::atomic<uint32_t> generation_{0};
    // (generation << 32) | next unclaimed chunk: a late worker can never claim
    // a chunk of a newer job with an older job's description.
    std::atomic<uint64_t> ticket_{0};
    std::atomic<size_t> pending_{0}; // chunks of the current job not finished
    std::exception_ptr error_;       // first failure of the current job (under mutex_)
};

} // namespace hoard::backend::cpu
