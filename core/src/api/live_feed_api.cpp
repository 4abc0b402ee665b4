// The public LiveFeed (hoard/profiling.hpp): the telemetry layer's feed on a
// model's event bus, its snapshots converted to plain public structs.
#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "hoard/profiling.hpp"
#include "telemetry/live_feed.hpp"

namespace hoard {
namespace {

LayerActivity public_activity(const telemetry::LayerCounters& c) {
    LayerActivity a;
    a.hit_high = c.hit_high;
    a.hit_low = c.hit_low;
    a.load_high = c.load_high;
    a.load_low = c.load_low;
    a.cpu = c.cpu;
    a.skip = c.skip;
    a.transfers = c.transfers;
    a.prefetch_loads = c.prefetch_loads;
    a.bytes_host_to_device = c.bytes_host_to_device;
    a.bytes_storage_to_host = c.bytes_storage_to_host;
    a.prefetch_used = c.prefetch_used;
    a.prefetch_unused = c.prefetch_unused;
    a.stalls = c.stalls;
    a.stall_seconds = c.stall_seconds;
    a.cpu_seconds = c.cpu_seconds;
    return a;
}

LiveSnapshot public_snapshot(const telemetry::LiveSnapshot& s) {
    LiveSnapshot out;
    out.sequence = s.sequence;
    out.engine_time = s.engine_time;
    out.covered_seconds = s.covered_seconds;
    out.decode_tokens = s.decode_tokens;
    out.prefill_tokens = s.prefill_tokens;
    out.tokens_per_second = s.tokens_per_second;
    out.prefill_tokens_per_second = s.prefill_tokens_per_second;
    out.host_to_device_bytes_per_second = s.host_to_device_bytes_per_second;
    out.storage_to_host_bytes_per_second = s.storage_to_host_bytes_per_second;
    out.total = public_activity(s.total);
    out.layers.reserve(s.layers.size());
    out.layer_hit_rates.reserve(s.layers.size());
    for (const telemetry::LayerCounters& c : s.layers) {
        out.layers.push_back(public_activity(c));
        out.layer_hit_rates.push_back(c.hit_rate());
    }
    out.hit_rate = s.hit_rate;
    out.high_fraction = s.high_fraction;
    out.low_fraction = s.low_fraction;
    out.cpu_fraction = s.cpu_fraction;
    out.skip_fraction = s.skip_fraction;
    out.cpu_experts = s.cpu_experts;
    out.total_generated_tokens = s.total_generated_tokens;
    out.session_hit_rate = s.session_hit_rate;
    out.dropped_events = s.dropped_events;
    return out;
}

} // namespace

struct LiveFeed::Impl {
    std::shared_ptr<const Model> model; // keeps the bus alive
    std::unique_ptr<telemetry::LiveFeed> feed;
};

LiveFeed::LiveFeed(const Session& session, Callback on_snapshot, LiveFeedOptions options)
    : LiveFeed(session.impl().model, std::move(on_snapshot), options) {}

LiveFeed::LiveFeed(std::shared_ptr<const Model> model, Callback on_snapshot,
                   LiveFeedOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (!model) throw Error("no model to watch");
    if (!(options.interval_seconds > 0) || !(options.window_seconds > 0))
        throw Error("the live feed's interval and window must be positive");
    impl_->model = std::move(model);
    telemetry::LiveFeedOptions o;
    o.interval_seconds = options.interval_seconds;
    o.window_seconds = options.window_seconds;
    telemetry::LiveFeed::Callback callback;
    if (on_snapshot)
        callback = [cb = std::move(on_snapshot)](const telemetry::LiveSnapshot& s) {
            cb(public_snapshot(s));
        };
    impl_->feed =
        std::make_unique<telemetry::LiveFeed>(*impl_->model->impl().bus, o, std::move(callback));
}

LiveFeed::~LiveFeed() {
    stop();
}

void LiveFeed::stop() {
    if (impl_->feed) impl_->feed->stop();
}

LiveSnapshot LiveFeed::latest() const {
    return impl_->feed ? public_snapshot(impl_->feed->latest()) : LiveSnapshot{};
}

} // namespace hoard
