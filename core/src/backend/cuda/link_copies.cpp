#include "backend/cuda/link_copies.hpp"

#include "backend/cuda/cuda_check.hpp"

#include <algorithm>

namespace hoard::backend::cuda {

LinkCopies::LinkCopies(Clock::time_point epoch, double assumed_bytes_per_second, size_t chunk_bytes,
                       size_t background_in_flight)
    : epoch_(epoch), chunk_bytes_(std::max<size_t>(chunk_bytes, 1 << 20)),
      background_in_flight_(std::max<size_t>(background_in_flight, 1)),
      rate_(assumed_bytes_per_second > 0 ? assumed_bytes_per_second : 25e9) {
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
               "creating the copy stream");
    // The device clock's origin on the host clock: later events are timed from it.
    origin_ = take_event(true);
    check_cuda(cudaEventRecord(origin_, stream_), "timing the copy stream");
    check_cuda(cudaEventSynchronize(origin_), "timing the copy stream");
    origin_seconds_ = seconds_now();
    thread_ = std::thread([this] { loop(); });
}

LinkCopies::~LinkCopies() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    cudaStreamSynchronize(stream_); // nothing useful to do with an error here
    for (auto& [ticket, job] : jobs_) {
        if (job.start) cudaEventDestroy(job.start);
        if (job.done) cudaEventDestroy(job.done);
    }
    for (cudaEvent_t e : in_flight_) cudaEventDestroy(e);
    for (cudaEvent_t e : timing_events_) cudaEventDestroy(e);
    for (cudaEvent_t e : plain_events_) cudaEventDestroy(e);
    cudaEventDestroy(origin_);
    cudaStreamDestroy(stream_);
}

double LinkCopies::seconds_now() const {
    return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

double LinkCopies::bytes_per_second() const {
    std::lock_guard lock(mutex_);
    return rate_;
}

cudaEvent_t LinkCopies::take_event(bool timing) {
    std::vector<cudaEvent_t>& pool = timing ? timing_events_ : plain_events_;
    if (!pool.empty()) {
        cudaEvent_t e = pool.back();
        pool.pop_back();
        return e;
    }
    // Blocking sync: a thread waiting for a copy sleeps instead of spinning
    // on a core the CPU experts need.
    cudaEvent_t e = nullptr;
    const unsigned flags = cudaEventBlockingSync | (timing ? 0u : unsigned(cudaEventDisableTiming));
    check_cuda(cudaEventCreateWithFlags(&e, flags), "creating a copy event");
    return e;
}

void LinkCopies::give_event(cudaEvent_t event, bool timing) {
    (timing ? timing_events_ : plain_events_).push_back(event);
}

double LinkCopies::device_seconds(cudaEvent_t event) const {
    float ms = 0.0f;
    if (cudaEventElapsedTime(&ms, origin_, event) != cudaSuccess) {
        cudaGetLastError();
        return seconds_now();
    }
    return origin_seconds_ + double(ms) * 1e-3;
}

void LinkCopies::queue_bytes(Job& job, uint64_t n) {
    const uint64_t left = job.bytes - job.queued;
    if (left == 0 || job.cancelled) return;
    if (n == 0 || n > left) n = left;
    if (job.queued == 0) {
        if (job.after)
            check_cuda(cudaStreamWaitEvent(stream_, job.after, 0), "ordering an expert copy");
        check_cuda(cudaEventRecord(job.start, stream_), "timing an expert copy");
    }
    check_cuda(cudaMemcpyAsync(job.dst + job.queued, job.src + job.queued, n,
                               cudaMemcpyHostToDevice, stream_),
               "copying an expert to the GPU");
    job.queued += n;
    check_cuda(cudaEventRecord(job.done, stream_), "timing an expert copy");
}

LinkCopies::Ticket LinkCopies::submit(uint8_t* dst, const uint8_t* src, uint64_t bytes, bool demand,
                                      cudaEvent_t after) {
    std::lock_guard lock(mutex_);
    const Ticket t = next_ticket_++;
    Job& job = jobs_[t];
    job.dst = dst;
    job.src = src;
    job.bytes = bytes;
    job.demand = demand;
    job.after = after;
    job.start = take_event(true);
    job.done = take_event(true);
    job.t_queued = seconds_now();
    if (demand || bytes == 0) {
        queue_bytes(job, 0);
    } else {
        background_.push_back(t);
        cv_.notify_all();
    }
    return t;
}

LinkCopies::Ticket LinkCopies::submit_rows(std::span<const RowCopy> parts, cudaEvent_t after) {
    std::lock_guard lock(mutex_);
    const Ticket t = next_ticket_++;
    Job& job = jobs_[t];
    for (const RowCopy& p : parts) job.bytes += uint64_t(p.width) * p.rows;
    job.queued = job.bytes; // queued here, whole
    job.demand = true;
    job.start = take_event(true);
    job.done = take_event(true);
    job.t_queued = seconds_now();
    if (after) check_cuda(cudaStreamWaitEvent(stream_, after, 0), "ordering an expert copy");
    check_cuda(cudaEventRecord(job.start, stream_), "timing an expert copy");
    for (const RowCopy& p : parts)
        if (p.rows && p.width)
            check_cuda(cudaMemcpy2DAsync(p.dst, p.dst_pitch, p.src, p.src_pitch, p.width, p.rows,
                                         cudaMemcpyHostToDevice, stream_),
                       "copying part of an expert to the GPU");
    check_cuda(cudaEventRecord(job.done, stream_), "timing an expert copy");
    return t;
}

bool LinkCopies::complete(const Job& job) const {
    if (job.queued < job.bytes && !job.cancelled) return false;
    if (job.queued == 0) return true;
    const cudaError_t status = cudaEventQuery(job.done);
    if (status == cudaErrorNotReady) return false;
    check_cuda(status, "checking an expert copy");
    return true;
}

bool LinkCopies::finished(Ticket ticket) {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(ticket);
    return it == jobs_.end() || complete(it->second);
}

void LinkCopies::promote(Ticket ticket) {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(ticket);
    if (it == jobs_.end()) return;
    it->second.demand = true;
    queue_bytes(it->second, 0);
}

void LinkCopies::cancel(Ticket ticket) {
    cudaEvent_t wait_for = nullptr;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(ticket);
        if (it == jobs_.end()) return;
        Job& job = it->second;
        if (job.queued < job.bytes) job.cancelled = true;
        if (job.queued > 0) wait_for = job.done;
    }
    // The loop never hands a job's events back before take_records erases it,
    // which only this thread does.
    if (wait_for) check_cuda(cudaEventSynchronize(wait_for), "cancelling an expert copy");
}

double LinkCopies::wait(Ticket ticket) {
    cudaEvent_t done = nullptr;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(ticket);
        if (it == jobs_.end()) return 0;
        it->second.demand = true;
        queue_bytes(it->second, 0);
        if (it->second.queued == 0) return 0;
        done = it->second.done;
    }
    const double start = seconds_now();
    check_cuda(cudaEventSynchronize(done), "waiting for an expert copy");
    return seconds_now() - start;
}

void LinkCopies::order_before(Ticket ticket, cudaStream_t stream) {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(ticket);
    if (it == jobs_.end()) return;
    it->second.demand = true;
    queue_bytes(it->second, 0);
    if (it->second.queued > 0)
        check_cuda(cudaStreamWaitEvent(stream, it->second.done, 0), "waiting for an expert copy");
}

void LinkCopies::take_records(std::vector<offload::CopyRecord>& out) {
    std::lock_guard lock(mutex_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        Job& job = it->second;
        if (!complete(job)) {
            ++it;
            continue;
        }
        offload::CopyRecord r;
        r.ticket = it->first;
        r.bytes = job.queued;
        r.cancelled = job.queued < job.bytes;
        if (job.queued > 0) {
            r.t_start = device_seconds(job.start);
            r.t_end = device_seconds(job.done);
            if (!r.cancelled && job.demand && job.bytes >= (1u << 20) && r.t_end > r.t_start)
                rate_ = 0.8 * rate_ + 0.2 * double(job.bytes) / (r.t_end - r.t_start);
        } else {
            r.t_start = r.t_end = seconds_now();
        }
        out.push_back(r);
        give_event(job.start, true);
        give_event(job.done, true);
        it = jobs_.erase(it);
    }
}

double LinkCopies::backlog_seconds() const {
    std::lock_guard lock(mutex_);
    uint64_t bytes = 0;
    for (Ticket t : background_) {
        const auto it = jobs_.find(t);
        if (it != jobs_.end() && !it->second.cancelled)
            bytes += it->second.bytes - it->second.queued;
    }
    bytes += uint64_t(in_flight_.size()) * chunk_bytes_; // about what the link still holds
    return double(bytes) / rate_;
}

void LinkCopies::loop() {
    std::unique_lock lock(mutex_);
    // A CUDA failure here ends background copying; the copies then never
    // finish, and whoever waits for one gets the device's error.
    try {
        feed(lock);
    } catch (...) {
    }
}

void LinkCopies::feed(std::unique_lock<std::mutex>& lock) {
    while (true) {
        // Background jobs fully queued (promoted) or cancelled leave the queue.
        while (!background_.empty()) {
            const auto it = jobs_.find(background_.front());
            if (it != jobs_.end() && !it->second.cancelled && it->second.queued < it->second.bytes)
                break;
            background_.pop_front();
        }
        cv_.wait(lock, [&] {
            return stop_ || !in_flight_.empty() ||
                   (!background_.empty() && in_flight_.size() < background_in_flight_);
        });
        if (stop_) return;
        if (!background_.empty() && in_flight_.size() < background_in_flight_) {
            const auto it = jobs_.find(background_.front());
            if (it == jobs_.end() || it->second.cancelled) continue;
            queue_bytes(it->second, chunk_bytes_);
            cudaEvent_t e = take_event(false);
            check_cuda(cudaEventRecord(e, stream_), "tracking a background copy");
            in_flight_.push_back(e);
            continue;
        }
        cudaEvent_t oldest = in_flight_.front();
        lock.unlock();
        const cudaError_t status = cudaEventSynchronize(oldest);
        lock.lock();
        in_flight_.pop_front();
        give_event(oldest, false);
        if (status != cudaSuccess) return; // the device failed; waiters report it
    }
}

} // namespace hoard::backend::cuda
