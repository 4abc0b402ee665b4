#pragma once
// One background thread that runs posted jobs in order. Engine calls (loading,
// inspecting, generating, planning) run on lanes so that the GUI thread never
// waits on them; results come back through queued calls to a QObject.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace hoard::gui {

class WorkerLane {
  public:
    explicit WorkerLane(std::string name);
    ~WorkerLane();
    WorkerLane(const WorkerLane&) = delete;
    WorkerLane& operator=(const WorkerLane&) = delete;

    // Queues `job`; ignored once stop() was called.
    void post(std::function<void()> job);
    // Drops queued jobs, waits for the running one to return and joins the
    // thread. Owners call it (after cancelling their job) before the objects
    // the jobs report to are destroyed.
    void stop();
    // Jobs queued or running.
    size_t pending() const;
    const std::string& name() const { return name_; }

  private:
    void run();

    std::string name_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool running_job_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace hoard::gui
