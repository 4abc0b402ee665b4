#include "engine/worker_lane.hpp"

#include <QtGlobal>

namespace hoard::gui {

WorkerLane::WorkerLane(std::string name) : name_(std::move(name)) {
    thread_ = std::thread([this] { run(); });
}

WorkerLane::~WorkerLane() {
    stop();
}

void WorkerLane::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void WorkerLane::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

size_t WorkerLane::pending() const {
    std::lock_guard lock(mutex_);
    return jobs_.size() + (running_job_ ? 1 : 0);
}

void WorkerLane::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
            running_job_ = true;
        }
        try {
            job();
        } catch (const std::exception& e) {
            // Jobs report their own errors; one that escapes must not end the lane.
            qWarning("%s: a background job failed: %s", name_.c_str(), e.what());
        }
        std::lock_guard lock(mutex_);
        running_job_ = false;
    }
}

} // namespace hoard::gui
