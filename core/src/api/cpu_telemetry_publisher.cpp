#include "api/cpu_telemetry_publisher.hpp"

#include <vector>

namespace hoard::api {
namespace {

using telemetry::Event;

// The pass this thread is evaluating, while someone listens.
struct ThreadPass {
    const CpuTelemetryPublisher* owner = nullptr; // none: not collecting
    uint32_t first_position = 0, n_tokens = 0;
    double t_start = 0, layer_start = 0;
    std::vector<Event> events;
};

thread_local ThreadPass t_pass;

} // namespace

double CpuTelemetryPublisher::now() const {
    return std::chrono::duration<double>(Clock::now() - epoch_).count();
}

void CpuTelemetryPublisher::on_pass_begin(size_t first_position, size_t n_tokens) {
    if (next_ != nullptr) next_->on_pass_begin(first_position, n_tokens);
    ThreadPass& p = t_pass;
    p.owner = nullptr;
    if (!bus_.has_subscribers()) return;
    p.owner = this;
    p.first_position = uint32_t(first_position);
    p.n_tokens = uint32_t(n_tokens);
    p.t_start = now();
    p.layer_start = p.t_start;
    p.events.clear();
}

void CpuTelemetryPublisher::on_routing(const model::RoutingDecision& d) {
    if (next_ != nullptr) next_->on_routing(d);
    ThreadPass& p = t_pass;
    if (p.owner != this) return;
    for (size_t k = 0; k < d.experts.size(); ++k)
        p.events.push_back(telemetry::ExpertEvent{
            uint32_t(d.position), uint16_t(d.layer), uint16_t(d.experts[k]),
            k < d.weights.size() ? d.weights[k] : 0.0f, telemetry::ExpertAction::HitHigh});
}

bool CpuTelemetryPublisher::wants_routing() const {
    return t_pass.owner == this || (next_ != nullptr && next_->wants_routing());
}

void CpuTelemetryPublisher::on_layer_end(size_t layer) {
    if (next_ != nullptr) next_->on_layer_end(layer);
    ThreadPass& p = t_pass;
    if (p.owner != this) return;
    const double t = now();
    p.events.push_back(telemetry::LayerEvent{p.first_position, uint16_t(layer), p.layer_start, t});
    p.layer_start = t;
}

void CpuTelemetryPublisher::on_pass_end(bool completed) {
    if (next_ != nullptr) next_->on_pass_end(completed);
    ThreadPass& p = t_pass;
    if (p.owner != this) return;
    p.owner = nullptr;
    if (!completed) return; // a failed pass left no token in the cache
    p.events.push_back(
        telemetry::TokenEvent{p.first_position, p.n_tokens, p.n_tokens > 1, p.t_start, now()});
    std::lock_guard lock(publish_mutex_);
    for (const Event& e : p.events) bus_.publish(e);
    bus_.flush();
}

} // namespace hoard::api
