#include "offload/copy_queue.hpp"

#include <algorithm>

namespace hoard::offload {

double CopyQueue::demand(uint64_t bytes, double earliest, double* start) {
    const double s = std::max(demand_free_, earliest);
    const double seconds = link_.seconds(bytes);
    drain_until(s);
    demand_free_ = s + seconds;
    background_clock_ = std::max(background_clock_, demand_free_);
    busy_ += seconds;
    if (start) *start = s;
    return demand_free_;
}

uint64_t CopyQueue::background(uint64_t bytes, double earliest) {
    const uint64_t id = finished_.size();
    if (!preemptible_) {
        finished_.push_back(demand(bytes, earliest));
        return id;
    }
    finished_.push_back(-1.0);
    const double seconds = link_.seconds(bytes);
    jobs_.push_back({id, earliest, seconds});
    busy_ += seconds;
    backlog_ += seconds;
    return id;
}

void CopyQueue::drain_until(double t) {
    while (!jobs_.empty()) {
        Job& job = jobs_.front();
        const double start = std::max(background_clock_, job.earliest);
        if (start >= t) return;
        const double run = std::min(job.remaining, t - start);
        job.remaining -= run;
        backlog_ -= run;
        background_clock_ = start + run;
        if (job.remaining > 0) return; // reached t
        finished_[job.id] = background_clock_;
        jobs_.pop_front();
    }
}

double CopyQueue::promote(uint64_t id, double earliest) {
    if (id >= finished_.size()) return earliest;
    if (finished_[id] < 0) drain_until(earliest);
    if (finished_[id] >= 0) return finished_[id];
    const auto it =
        std::find_if(jobs_.begin(), jobs_.end(), [id](const Job& j) { return j.id == id; });
    const double remaining = it->remaining;
    backlog_ -= remaining;
    jobs_.erase(it);
    const double s = std::max(demand_free_, earliest);
    demand_free_ = s + remaining;
    background_clock_ = std::max(background_clock_, demand_free_);
    finished_[id] = demand_free_;
    return demand_free_;
}

void CopyQueue::cancel(uint64_t id, double now) {
    if (id >= finished_.size() || finished_[id] >= 0) return;
    drain_until(now);
    if (finished_[id] >= 0) return;
    const auto it =
        std::find_if(jobs_.begin(), jobs_.end(), [id](const Job& j) { return j.id == id; });
    if (it == jobs_.end()) return;
    busy_ -= it->remaining;
    backlog_ -= it->remaining;
    finished_[id] = background_clock_;
    jobs_.erase(it);
}

} // namespace hoard::offload
