// The public Recording (hoard/profiling.hpp): a recorder on a model's event
// bus, started with a session row that describes the model, the machine and
// the settings. Failures are reported, never thrown into the caller.
#include "api/model_handle.hpp"
#include "api/profiling_handle.hpp"
#include "hoard/error.hpp"
#include "telemetry/host_description.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace hoard {
namespace {

// A prefill pass publishes n_layer × k expert events per token at once (up to
// 512 tokens a pass): the queue holds one such pass of a typical chunk, within
// a bound (about 28 MB).
size_t queue_capacity_for(const ModelSummary& s) {
    const uint64_t per_pass =
        uint64_t(256) * std::max<size_t>(1, s.n_layer) * std::max<size_t>(1, s.n_expert_used) +
        s.n_layer + 1;
    size_t capacity = size_t(1) << 16;
    while (capacity < per_pass && capacity < (size_t(1) << 19)) capacity *= 2;
    return capacity;
}

// A float setting as the user typed it (0.05, not 0.05000000074505806).
double decimal(float v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.7g", double(v));
    return std::strtod(text, nullptr);
}

nlohmann::json sampling_json(const SamplingParams& p) {
    return {{"temperature", decimal(p.temperature)},
            {"top_k", p.top_k},
            {"top_p", decimal(p.top_p)},
            {"min_p", decimal(p.min_p)},
            {"repeat_penalty", decimal(p.repeat_penalty)},
            {"repeat_last_n", p.repeat_last_n},
            {"seed", p.seed},
            {"greedy", p.temperature <= 0}};
}

nlohmann::json offload_json(const OffloadOptions& o) {
    return {{"device_bytes", o.device_bytes},
            {"host_bytes", o.host_bytes},
            {"n_ctx", o.n_ctx},
            {"policy", o.policy},
            {"multi_weights", o.multi_weights},
            {"separate_pools", o.separate_pools},
            {"low_pool_share", o.low_pool_share},
            {"low_precision", o.low_precision},
            {"t1", o.t1},
            {"t2", o.t2},
            {"low_format", o.low_format},
            {"sensitivity", o.sensitivity},
            {"sensitive_fraction", o.sensitive_fraction},
            {"sensitive_format", o.sensitive_format},
            {"cpu_fallback", o.cpu_fallback},
            {"cpu_threads", o.cpu_threads},
            {"allow_skip", o.allow_skip},
            {"prefetch", o.prefetch},
            {"prefetch_distance", o.prefetch_distance},
            {"prefetch_max_distance", o.prefetch_max_distance},
            {"prefetch_min_confidence", o.prefetch_min_confidence},
            {"admit_cpu_experts", o.admit_cpu_experts},
            {"split_experts", o.split_experts},
            {"background_loads_with_splits", o.background_loads_with_splits},
            {"link_gbps", o.link_gbps},
            {"device_gbps", o.device_gbps},
            {"cpu_gbps", o.cpu_gbps}};
}

Recording failed_recording(std::string message, std::filesystem::path database) {
    auto impl = std::make_unique<Recording::Impl>();
    impl->start_error = std::move(message);
    impl->database = std::move(database);
    return Recording::Impl::make(std::move(impl));
}

} // namespace

namespace api {

telemetry::SessionInfo session_info(const Model& model, const RecordingOptions& options) {
    const Model::Impl& m = model.impl();
    telemetry::SessionInfo info;
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(m.path, ec);
    info.model_path = (ec ? m.path : absolute).string();
    info.model_name = !options.model_name.empty() ? options.model_name
                      : !m.summary.name.empty()   ? m.summary.name
                                                  : m.path.filename().string();
    info.hardware = telemetry::describe_host();
    nlohmann::json settings = {{"engine", m.offload ? "offload" : "cpu"},
                               {"threads", m.pool ? m.pool->size() : 0},
                               {"architecture", m.summary.architecture}};
    if (m.offload_options) {
        const OffloadOptions& o = *m.offload_options;
        info.device_budget_bytes = o.device_bytes;
        info.host_budget_bytes = o.host_bytes;
        info.policy = o.policy;
        settings["offload"] = offload_json(o);
        if (m.offload_setup) {
            info.hardware["device"] = m.offload_setup->device;
            settings["offload"]["low_format_used"] = m.offload_setup->low_format;
        }
        info.hardware["link_gbps"] = o.link_gbps;
    } else {
        info.policy = "cpu (all experts resident)";
    }
    if (options.generation) {
        const GenerationParams& g = *options.generation;
        settings["sampling"] = sampling_json(g.sampling);
        settings["max_tokens"] = g.max_tokens;
        settings["prefill_chunk"] = g.prefill_chunk;
        settings["stop_at_end_of_generation"] = g.stop_at_end_of_generation;
    }
    if (!options.extra_settings_json.empty()) {
        nlohmann::json extra = nlohmann::json::parse(options.extra_settings_json, nullptr, false);
        if (!extra.is_discarded() && extra.is_object())
            settings.update(extra);
        else
            settings["extra"] = options.extra_settings_json;
    }
    info.settings = std::move(settings);
    return info;
}

} // namespace api

// ---------------------------------------------------------------- Recording

Recording Recording::Impl::make(std::unique_ptr<Impl> impl) {
    return Recording(std::move(impl));
}

Recording::Recording() = default;
Recording::Recording(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recording::Recording(Recording&& other) noexcept = default;

Recording& Recording::operator=(Recording&& other) noexcept {
    if (this != &other) {
        stop();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

Recording::~Recording() {
    stop();
}

Recording Recording::start(const Session& session, const std::filesystem::path& database,
                           RecordingOptions options) {
    std::filesystem::path path = database;
    try {
        if (path.empty()) path = ProfileStore::default_path();
        ProfileStore store = ProfileStore::open(path);
        return store.record(session, std::move(options));
    } catch (const std::exception& e) {
        return failed_recording(e.what(), path);
    }
}

int64_t Recording::session_id() const {
    return impl_ ? impl_->recorder.session_id() : 0;
}

bool Recording::active() const {
    return impl_ && impl_->start_error.empty() && impl_->recorder.recording();
}

bool Recording::failed() const {
    return impl_ && (!impl_->start_error.empty() || impl_->recorder.failed());
}

std::string Recording::error() const {
    if (!impl_) return {};
    return impl_->start_error.empty() ? impl_->recorder.error() : impl_->start_error;
}

uint64_t Recording::dropped_events() const {
    return impl_ ? impl_->recorder.dropped_events() : 0;
}

RecordingStats Recording::stats() const {
    if (!impl_) return {};
    const telemetry::RecorderStats s = impl_->recorder.stats();
    return {s.received_events, s.dropped_events, s.written_rows, s.commits, s.writer_cpu_seconds};
}

const std::filesystem::path& Recording::database() const {
    static const std::filesystem::path none;
    return impl_ ? impl_->database : none;
}

void Recording::stop() noexcept {
    if (!impl_) return;
    try {
        impl_->recorder.end();
    } catch (const std::exception& e) {
        if (impl_->start_error.empty() && !impl_->recorder.failed())
            impl_->start_error = std::string("recording did not end cleanly: ") + e.what();
    } catch (...) {
    }
    impl_->model.reset();
}

// ---------------------------------------------------------------- ProfileStore

Recording ProfileStore::record(const Session& session, RecordingOptions options) {
    return record(session.impl().model, std::move(options));
}

Recording ProfileStore::record(std::shared_ptr<const Model> model, RecordingOptions options) {
    const std::filesystem::path database = path();
    if (!model) return failed_recording("no model to record", database);
    try {
        const Model::Impl& m = model->impl();
        telemetry::RecorderOptions ro;
        ro.window_seconds = options.window_seconds > 0 ? options.window_seconds : 0.25;
        ro.window_passes = std::max<uint32_t>(1, options.window_passes);
        ro.queue_capacity = queue_capacity_for(m.summary);
        ro.on_error = options.on_error;
        ro.record_spans = options.timeline;
        const telemetry::SessionInfo info = api::session_info(*model, options);
        auto impl = std::make_unique<Recording::Impl>();
        impl->model = model;
        impl->database = database;
        // Rows count from now: the bus's clock started when the model loaded.
        ro.time_origin = m.engine_time();
        impl->recorder = impl_->store.begin_session(info, *m.bus, std::move(ro));
        return Recording(std::move(impl));
    } catch (const std::exception& e) {
        return failed_recording(e.what(), database);
    }
}

} // namespace hoard
