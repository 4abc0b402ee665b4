#pragma once
// The host → device link as the offload engine uses it: expert copies on a
// copy stream of their own, beside the compute stream. Demand copies are
// queued whole at once; background copies (prefetches, loads behind CPU
// experts) go in chunks, at most a few in flight, so a demand copy waits for
// little, and what is not yet queued can be cancelled. A copy into a slot
// first waits for the compute stream's last use of it; the compute stream
// waits for a copy through an event (no host round trip). Times of finished
// copies come from device events, on the host clock of the given epoch.
#include "offload/device_backend.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cuda_runtime_api.h>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

namespace hoard::backend::cuda {

class LinkCopies {
  public:
    using Clock = std::chrono::steady_clock;
    using Ticket = offload::CopyTicket;

    LinkCopies(Clock::time_point epoch, double assumed_bytes_per_second,
               size_t chunk_bytes = size_t(4) << 20, size_t background_in_flight = 2);
    ~LinkCopies();
    LinkCopies(const LinkCopies&) = delete;
    LinkCopies& operator=(const LinkCopies&) = delete;

    // `src` must be page-locked for full speed and stay unchanged until the
    // copy is finished or cancelled. `after`: an event the copy waits for
    // (null: none), taken as it stands when the copy's first bytes are queued.
    Ticket submit(uint8_t* dst, const uint8_t* src, uint64_t bytes, bool demand, cudaEvent_t after);
    // A demand copy of several runs of rows (`rows` runs of `width` bytes,
    // pitches apart on each side), queued at once as one timed copy.
    struct RowCopy {
        uint8_t* dst = nullptr;
        size_t dst_pitch = 0;
        const uint8_t* src = nullptr;
        size_t src_pitch = 0, width = 0, rows = 0;
    };
    Ticket submit_rows(std::span<const RowCopy> parts, cudaEvent_t after);
    bool finished(Ticket ticket);
    void promote(Ticket ticket); // queues whatever is left of it now
    // Drops the part not yet queued; returns once the queued part has arrived.
    void cancel(Ticket ticket);
    double wait(Ticket ticket); // promotes, blocks until done; seconds waited
    // Work queued on `stream` from now on runs after the copy (promoted).
    void order_before(Ticket ticket, cudaStream_t stream);
    void take_records(std::vector<offload::CopyRecord>& out);
    double backlog_seconds() const;
    double seconds_now() const;
    double bytes_per_second() const;

  private:
    struct Job {
        uint8_t* dst = nullptr;
        const uint8_t* src = nullptr;
        uint64_t bytes = 0, queued = 0;
        bool demand = false, cancelled = false;
        cudaEvent_t after = nullptr;
        cudaEvent_t start = nullptr, done = nullptr; // timing events
        double t_queued = 0;
    };
    // Under mutex_: queues up to n more bytes of the job (all when n is 0).
    void queue_bytes(Job& job, uint64_t n);
    bool complete(const Job& job) const; // under mutex_
    cudaEvent_t take_event(bool timing);
    void give_event(cudaEvent_t event, bool timing);
    double device_seconds(cudaEvent_t event) const; // on the host clock
    void loop();
    void feed(std::unique_lock<std::mutex>& lock);

    Clock::time_point epoch_;
    size_t chunk_bytes_, background_in_flight_;
    cudaStream_t stream_ = nullptr;
    cudaEvent_t origin_ = nullptr; // device time of host time origin_seconds_
    double origin_seconds_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::unordered_map<Ticket, Job> jobs_;
    std::deque<Ticket> background_;     // not fully queued, oldest first
    std::deque<cudaEvent_t> in_flight_; // after each queued background chunk
    std::vector<cudaEvent_t> timing_events_, plain_events_;
    Ticket next_ticket_ = 1;
    double rate_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace hoard::backend::cuda
