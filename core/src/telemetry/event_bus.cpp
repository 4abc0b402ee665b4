#include "telemetry/event_bus.hpp"

#include <algorithm>

namespace hoard::telemetry {

const char* action_name(ExpertAction action) {
    switch (action) {
    case ExpertAction::HitHigh:
        return "hit_high";
    case ExpertAction::HitLow:
        return "hit_low";
    case ExpertAction::LoadHigh:
        return "load_high";
    case ExpertAction::LoadLow:
        return "load_low";
    case ExpertAction::CpuCompute:
        return "cpu";
    case ExpertAction::Skip:
        return "skip";
    }
    return "unknown";
}

const char* precision_name(Precision precision) {
    return precision == Precision::High ? "high" : "low";
}

const char* link_name(Link link) {
    return link == Link::HostToDevice ? "host_to_device" : "storage_to_host";
}

uint64_t EventBus::subscribe(Subscriber subscriber) {
    std::lock_guard lock(mutex_);
    subscribers_.emplace_back(next_id_, std::move(subscriber));
    return next_id_++;
}

void EventBus::unsubscribe(uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

bool EventBus::has_subscribers() const {
    std::lock_guard lock(mutex_);
    return !subscribers_.empty();
}

void EventBus::flush() {
    if (buffer_.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, subscriber] : subscribers_) subscriber(buffer_);
    }
    buffer_.clear();
}

} // namespace hoard::telemetry
