#include "offload/simulated_device.hpp"

#include "hoard/error.hpp"
#include "offload/byte_size.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace hoard::offload {

const char* tier_name(MemoryTier tier) {
    switch (tier) {
    case MemoryTier::Device:
        return "device";
    case MemoryTier::Host:
        return "host";
    case MemoryTier::Storage:
        return "storage";
    }
    return "unknown";
}

SimulatedDevice::SimulatedDevice(const SimulatedDeviceConfig& config, Clock::time_point epoch)
    : config_(config), epoch_(epoch) {
    if (config_.memory_bytes == 0) throw Error("the simulated device needs a memory budget");
    if (!(config_.link_bytes_per_second > 0) || !(config_.link_latency_seconds >= 0))
        throw Error("the simulated link needs a positive bandwidth");
    config_.background_chunk_bytes = std::max<uint64_t>(config_.background_chunk_bytes, 4096);
    thread_ = std::thread([this] { copy_loop(); });
}

SimulatedDevice::~SimulatedDevice() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    thread_.join();
}

std::string SimulatedDevice::description() const {
    std::ostringstream s;
    s << "simulated device (" << format_byte_size(config_.memory_bytes) << ", link "
      << config_.link_bytes_per_second / 1e9 << " GB/s)";
    return s.str();
}

double SimulatedDevice::seconds_now() const {
    return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

DeviceBuffer SimulatedDevice::allocate(uint64_t bytes, bool backed) {
    std::lock_guard lock(memory_mutex_);
    const uint64_t used = used_.load();
    if (bytes > config_.memory_bytes - used)
        throw Error("device memory exhausted: " + format_byte_size(bytes) + " requested, " +
                    format_byte_size(config_.memory_bytes - used) + " of " +
                    format_byte_size(config_.memory_bytes) + " free");
    DeviceBuffer b;
    b.id = next_buffer_++;
    b.bytes = bytes;
    b.owner = MemoryTier::Device;
    if (backed) {
        std::unique_ptr<uint8_t[]> memory;
        if (auto it = spare_.find(bytes); it != spare_.end() && !it->second.empty()) {
            memory = std::move(it->second.back());
            it->second.pop_back();
            spare_bytes_ -= bytes;
        } else {
            // Touched here, so that page faults count as allocation, not link time.
            memory = std::unique_ptr<uint8_t[]>(new uint8_t[std::max<uint64_t>(bytes, 1)]);
            std::memset(memory.get(), 0, bytes);
        }
        b.data = memory.get();
        memory_.emplace(b.id, std::move(memory));
    }
    used_.store(used + bytes);
    peak_.store(std::max(peak_.load(), used + bytes));
    return b;
}

void SimulatedDevice::release(DeviceBuffer& buffer) {
    if (!buffer.valid()) return;
    std::lock_guard lock(memory_mutex_);
    if (auto it = memory_.find(buffer.id); it != memory_.end()) {
        if (spare_bytes_ + buffer.bytes <= config_.memory_bytes) {
            spare_[buffer.bytes].push_back(std::move(it->second));
            spare_bytes_ += buffer.bytes;
        }
        memory_.erase(it);
    }
    used_.fetch_sub(buffer.bytes);
    buffer = DeviceBuffer{};
}

CopyTicket SimulatedDevice::copy_to_device(const DeviceBuffer& dst, const uint8_t* src,
                                           uint64_t bytes, CopyPriority priority) {
    if (!dst.valid() || dst.data == nullptr || bytes > dst.bytes)
        throw Error("internal error: a copy to a device buffer that cannot hold it");
    std::lock_guard lock(mutex_);
    const CopyTicket t = next_ticket_++;
    Job& job = jobs_[t];
    job.dst = dst.data;
    job.src = src;
    job.bytes = bytes;
    job.demand = priority == CopyPriority::Demand;
    (job.demand ? demand_queue_ : background_queue_).push_back(t);
    work_cv_.notify_one();
    return t;
}

bool SimulatedDevice::copy_finished(CopyTicket ticket) {
    std::lock_guard lock(mutex_);
    return !jobs_.contains(ticket);
}

void SimulatedDevice::remove_from_queues(CopyTicket ticket) {
    for (auto* q : {&demand_queue_, &background_queue_})
        if (auto it = std::find(q->begin(), q->end(), ticket); it != q->end()) q->erase(it);
}

void SimulatedDevice::promote(CopyTicket ticket) {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(ticket);
    if (it == jobs_.end() || it->second.demand) return;
    it->second.demand = true;
    remove_from_queues(ticket);
    demand_queue_.push_back(ticket);
    work_cv_.notify_one();
}

void SimulatedDevice::finish(CopyTicket ticket, Job& job, bool cancelled, double t_end) {
    CopyRecord r;
    r.ticket = ticket;
    r.bytes = job.moved;
    r.cancelled = cancelled;
    r.t_start = job.t_start < 0 ? t_end : job.t_start;
    r.t_end = t_end;
    records_.push_back(r);
    remove_from_queues(ticket);
    jobs_.erase(ticket);
    done_cv_.notify_all();
}

void SimulatedDevice::cancel(CopyTicket ticket) {
    std::unique_lock lock(mutex_);
    const auto it = jobs_.find(ticket);
    if (it == jobs_.end()) return;
    if (!it->second.running) {
        finish(ticket, it->second, true, seconds_now());
        return;
    }
    it->second.cancel_requested = true;
    done_cv_.wait(lock, [&] { return !jobs_.contains(ticket); });
}

double SimulatedDevice::wait(CopyTicket ticket) {
    promote(ticket);
    const auto start = Clock::now();
    std::unique_lock lock(mutex_);
    if (!jobs_.contains(ticket)) return 0.0;
    done_cv_.wait(lock, [&] { return !jobs_.contains(ticket); });
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void SimulatedDevice::take_records(std::vector<CopyRecord>& out) {
    std::lock_guard lock(mutex_);
    out.insert(out.end(), records_.begin(), records_.end());
    records_.clear();
}

double SimulatedDevice::background_backlog_seconds() const {
    std::lock_guard lock(mutex_);
    uint64_t bytes = 0;
    for (CopyTicket t : background_queue_)
        if (const auto it = jobs_.find(t); it != jobs_.end())
            bytes += it->second.bytes - it->second.moved;
    return double(bytes) / config_.link_bytes_per_second;
}

double SimulatedDevice::link_busy_seconds() const {
    std::lock_guard lock(mutex_);
    return busy_seconds_;
}

void SimulatedDevice::copy_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_cv_.wait(
            lock, [&] { return stop_ || !demand_queue_.empty() || !background_queue_.empty(); });
        if (stop_) {
            while (!jobs_.empty())
                finish(jobs_.begin()->first, jobs_.begin()->second, true, seconds_now());
            return;
        }
        const CopyTicket ticket =
            !demand_queue_.empty() ? demand_queue_.front() : background_queue_.front();
        Job& job = jobs_.at(ticket);
        job.running = true;
        const bool first = job.moved == 0;
        const uint64_t chunk =
            job.demand ? job.bytes - job.moved
                       : std::min(job.bytes - job.moved, config_.background_chunk_bytes);
        uint8_t* dst = job.dst + job.moved;
        const uint8_t* src = job.src + job.moved;
        const auto begin = Clock::now();
        if (first) job.t_start = seconds_now();
        lock.unlock();
        // The bytes really move (the compute queue reads them); the link's
        // bandwidth decides when the chunk may count as arrived.
        std::memcpy(dst, src, chunk);
        const double seconds = double(chunk) / config_.link_bytes_per_second +
                               (first ? config_.link_latency_seconds : 0);
        std::this_thread::sleep_until(begin + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(seconds)));
        const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
        lock.lock();
        busy_seconds_ += elapsed;
        Job& j = jobs_.at(ticket);
        j.moved += chunk;
        j.running = false;
        if (j.moved == j.bytes)
            finish(ticket, j, false, seconds_now());
        else if (j.cancel_requested)
            finish(ticket, j, true, seconds_now());
    }
}

void SimulatedDevice::compute_expert(const model::ExpertMatrices& weights, const float* inputs,
                                     size_t m, size_t n_embd, size_t n_ff, float* outputs,
                                     backend::cpu::ThreadPool& pool) {
    offload::compute_expert(pool, weights, inputs, m, n_embd, n_ff, scratch_, outputs);
}

} // namespace hoard::offload
