// C ABI: recording a model's generation into the profiling store, and live
// snapshots of it delivered to a callback.
#include "capi/call_arguments.hpp"
#include "capi/handle_objects.hpp"
#include "capi/status_boundary.hpp"
#include "hoard/profiling.hpp"

#include <cmath>
#include <filesystem>
#include <memory>

using namespace hoard::capi;

namespace {

struct RecordingObject {
    static constexpr HandleKind kind = HandleKind::Recording;
    hoard::Recording recording;
};

struct LiveFeedObject {
    static constexpr HandleKind kind = HandleKind::LiveFeed;
    std::unique_ptr<hoard::LiveFeed> feed;
};

hoard_live_snapshot c_snapshot(const hoard::LiveSnapshot& s) {
    hoard_live_snapshot out{};
    out.struct_size = sizeof out;
    out.n_layers = uint32_t(s.layer_hit_rates.size());
    out.sequence = s.sequence;
    out.tokens_per_second = s.tokens_per_second;
    out.prefill_tokens_per_second = s.prefill_tokens_per_second;
    out.hit_rate = s.hit_rate;
    out.high_fraction = s.high_fraction;
    out.low_fraction = s.low_fraction;
    out.cpu_fraction = s.cpu_fraction;
    out.skip_fraction = s.skip_fraction;
    out.host_to_device_bytes_per_second = s.host_to_device_bytes_per_second;
    out.storage_to_host_bytes_per_second = s.storage_to_host_bytes_per_second;
    out.decode_tokens = s.decode_tokens;
    out.prefill_tokens = s.prefill_tokens;
    out.total_generated_tokens = s.total_generated_tokens;
    out.session_hit_rate = s.session_hit_rate;
    out.layer_hit_rates = s.layer_hit_rates.empty() ? nullptr : s.layer_hit_rates.data();
    return out;
}

} // namespace

extern "C" {

HOARD_API hoard_status hoard_recording_start(hoard_session* session, const char* db_path,
                                             hoard_recording** out_recording) {
    return guarded(__func__, [&] {
        require_out(out_recording, "out_recording");
        *out_recording = nullptr;
        const auto s = lookup<SessionObject>(session);
        if (db_path && !*db_path) fail_argument("db_path is empty (pass NULL for the default)");
        const std::filesystem::path database = db_path ? std::filesystem::path(db_path) : "";
        auto object = std::make_shared<RecordingObject>();
        object->recording = hoard::Recording::start(*s->session, database);
        if (object->recording.failed() || object->recording.session_id() <= 0)
            throw CapiError(HOARD_ERROR_FAILED,
                            "recording could not start: " + object->recording.error());
        *out_recording = publish<hoard_recording>(std::move(object));
    });
}

HOARD_API hoard_status hoard_recording_session_id(const hoard_recording* recording,
                                                  int64_t* out_session_id) {
    return guarded(__func__, [&] {
        require_out(out_session_id, "out_session_id");
        *out_session_id = lookup<RecordingObject>(recording)->recording.session_id();
    });
}

HOARD_API hoard_status hoard_recording_stop_free(hoard_recording* recording) {
    return guarded(__func__, [&] {
        const auto object = unpublish<RecordingObject>(recording);
        if (object) object->recording.stop();
    });
}

HOARD_API hoard_status hoard_live_feed_start(hoard_session* session, double interval_seconds,
                                             hoard_live_snapshot_fn on_snapshot, void* user_data,
                                             hoard_live_feed** out_feed) {
    return guarded(__func__, [&] {
        require_out(out_feed, "out_feed");
        *out_feed = nullptr;
        const auto s = lookup<SessionObject>(session);
        if (!on_snapshot) fail_argument("on_snapshot is NULL");
        if (!std::isfinite(interval_seconds) ||
            (interval_seconds != 0 && (interval_seconds < 0.001 || interval_seconds > 3600)))
            fail_argument("interval_seconds must be 0 or lie in [0.001, 3600]");
        hoard::LiveFeedOptions options;
        if (interval_seconds > 0) options.interval_seconds = interval_seconds;
        auto object = std::make_shared<LiveFeedObject>();
        object->feed = std::make_unique<hoard::LiveFeed>(
            *s->session,
            [on_snapshot, user_data](const hoard::LiveSnapshot& snapshot) {
                const hoard_live_snapshot c = c_snapshot(snapshot);
                on_snapshot(user_data, &c);
            },
            options);
        *out_feed = publish<hoard_live_feed>(std::move(object));
    });
}

HOARD_API hoard_status hoard_live_feed_free(hoard_live_feed* feed) {
    return guarded(__func__, [&] {
        const auto object = unpublish<LiveFeedObject>(feed);
        if (object && object->feed) object->feed->stop();
    });
}

} // extern "C"
