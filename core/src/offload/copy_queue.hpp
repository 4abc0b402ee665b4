#pragma once
// The host-to-device link as the replay times it. Demand transfers (experts a
// layer waits for) run first, one after another. Background transfers
// (prefetches, loads behind CPU experts) use the time the link would
// otherwise idle and pause whenever a demand transfer needs the link, as a copy
// engine moving them in chunks would; so spare link time is used without ever
// delaying a demand load. Without overlap (one queue for copies and compute)
// background transfers are ordinary transfers.
#include "offload/cost_model.hpp"

#include <cstdint>
#include <deque>
#include <vector>

namespace hoard::offload {

class CopyQueue {
  public:
    CopyQueue(const LinkModel& link, bool preemptible_background)
        : link_(link), preemptible_(preemptible_background) {}

    // Schedules a demand transfer starting no earlier than `earliest`; returns
    // its end and sets *start.
    double demand(uint64_t bytes, double earliest, double* start = nullptr);
    // Queues a background transfer that may start at `earliest`; returns its id.
    uint64_t background(uint64_t bytes, double earliest);
    // Something waits for background transfer `id` from `earliest` on: what is
    // left of it becomes a demand transfer (unless it is done by then). Returns
    // when it completes.
    double promote(uint64_t id, double earliest);
    // Drops a background transfer whose copy was evicted at time `now`, unless
    // it arrived before.
    void cancel(uint64_t id, double now);

    double demand_free() const { return demand_free_; } // end of the last demand transfer
    // Link time the queued background transfers still need at time `now`.
    double background_backlog(double now) {
        drain_until(now);
        return backlog_;
    }
    double busy_seconds() const { return busy_; }

  private:
    struct Job {
        uint64_t id;
        double earliest;
        double remaining; // seconds of link time still needed
    };
    // Runs queued background work in the idle link time before `t`.
    void drain_until(double t);

    LinkModel link_;
    bool preemptible_;
    double demand_free_ = 0;
    double background_clock_ = 0; // link time accounted for up to here
    double busy_ = 0;
    double backlog_ = 0;
    std::deque<Job> jobs_;
    std::vector<double> finished_; // per id: completion time, or -1 while pending
};

} // namespace hoard::offload
