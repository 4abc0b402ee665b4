// C ABI: offloading experts (settings at load, the counters of a loaded
// model) and budget planning for a model file.
#include "capi/call_arguments.hpp"
#include "capi/handle_objects.hpp"
#include "capi/status_boundary.hpp"
#include "hoard/offload.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace hoard::capi;

namespace {

hoard_offload_options default_offload_options() {
    const hoard::OffloadOptions d;
    hoard_offload_options o{};
    o.struct_size = sizeof o;
    o.low_precision = d.low_precision ? 1 : 0;
    o.device_bytes = d.device_bytes;
    o.host_bytes = d.host_bytes;
    o.n_ctx = d.n_ctx;
    o.policy = nullptr;
    o.t1 = d.t1;
    o.t2 = d.t2;
    o.cpu_fallback = d.cpu_fallback ? 1 : 0;
    o.prefetch = d.prefetch ? 1 : 0;
    o.allow_skip = d.allow_skip ? 1 : 0;
    return o;
}

void check_threshold(double value, const char* name) {
    if (!std::isfinite(value) || value < 0 || value > 1)
        fail_argument(std::string("offload->") + name + " must lie in [0, 1]");
}

// A format name into a fixed field, cut to fit.
void copy_name(char (&out)[16], const std::string& name) {
    const size_t n = std::min(name.size(), sizeof out - 1);
    std::memcpy(out, name.data(), n);
    out[n] = '\0';
}

} // namespace

namespace hoard::capi {

std::optional<OffloadOptions> offload_options_argument(const hoard_offload_options* options) {
    if (!options) return std::nullopt;
    const auto o = read_extensible(options, default_offload_options(), "offload");
    if (o.device_bytes == 0)
        fail_argument("offload->device_bytes is 0 (a device budget is required)");
    if (o.n_ctx > HOARD_MAX_PLAN_CONTEXT)
        fail_argument("offload->n_ctx is more than " + std::to_string(HOARD_MAX_PLAN_CONTEXT));
    check_threshold(o.t1, "t1");
    check_threshold(o.t2, "t2");
    OffloadOptions out;
    out.device_bytes = o.device_bytes;
    out.host_bytes = o.host_bytes;
    out.n_ctx = size_t(o.n_ctx);
    if (o.policy) {
        out.policy = std::string(text_argument(o.policy, HOARD_NUL_TERMINATED, "offload->policy"));
        if (out.policy != "lru" && out.policy != "lfu" && out.policy != "multi")
            fail_argument("offload->policy \"" + out.policy +
                          "\" is not one of \"lru\", \"lfu\", \"multi\"");
    }
    out.low_precision = o.low_precision != 0;
    out.t1 = o.t1;
    out.t2 = o.t2;
    out.cpu_fallback = o.cpu_fallback != 0;
    out.prefetch = o.prefetch != 0;
    out.allow_skip = o.allow_skip != 0;
    return out;
}

} // namespace hoard::capi

extern "C" {

HOARD_API hoard_status hoard_offload_options_init(hoard_offload_options* options,
                                                  uint32_t struct_size) {
    return guarded(__func__, [&] {
        init_extensible(options, struct_size, default_offload_options(), "options");
    });
}

HOARD_API hoard_status hoard_model_offload_counters(const hoard_model* model,
                                                    hoard_offload_counters* out_counters) {
    return guarded(__func__, [&] {
        const auto m = lookup<ModelObject>(model)->model;
        check_result_struct(out_counters, "out_counters");
        const hoard::OffloadCounters c = m->offload_counters();
        hoard_offload_counters out{};
        out.offloaded = m->offloaded() ? 1 : 0;
        out.hits_high = c.actions[0];
        out.hits_low = c.actions[1];
        out.loads_high = c.actions[2];
        out.loads_low = c.actions[3];
        out.cpu = c.actions[4];
        out.skip = c.actions[5];
        out.hit_rate = c.hit_rate();
        out.bytes_host_to_device = c.bytes_to_device();
        out.bytes_storage_to_host = c.bytes_storage_to_host;
        out.transfers = c.transfers;
        out.evictions = c.evictions;
        out.prefetch_issued = c.prefetch_loads;
        out.prefetch_used = c.prefetch_loads_used;
        out.decode_tokens = c.decode_tokens;
        out.prefill_tokens = c.prefill_tokens;
        out.decode_seconds = c.decode_seconds;
        out.prefill_seconds = c.prefill_seconds;
        out.stall_seconds = c.stall_seconds;
        out.device_capacity = c.device_capacity;
        out.device_used = c.device_used;
        out.device_peak = c.device_peak;
        out.host_capacity = c.host_capacity;
        out.host_used = c.host_used;
        out.host_peak = c.host_peak;
        write_extensible(out_counters, out);
    });
}

HOARD_API hoard_status hoard_plan_budget(const char* model_path, uint64_t device_bytes,
                                         uint64_t n_ctx, bool low_precision,
                                         hoard_offload_plan* out_plan) {
    return guarded(__func__, [&] {
        if (!model_path) fail_argument("model_path is NULL");
        if (!*model_path) fail_argument("model_path is empty");
        check_result_struct(out_plan, "out_plan");
        if (device_bytes == 0) fail_argument("device_bytes is 0");
        if (n_ctx > HOARD_MAX_PLAN_CONTEXT)
            fail_argument("n_ctx " + std::to_string(n_ctx) + " is more than " +
                          std::to_string(HOARD_MAX_PLAN_CONTEXT) + " tokens");
        const std::filesystem::path file(model_path);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec))
            throw CapiError(HOARD_ERROR_NOT_FOUND, file.string() + ": no such file");
        const size_t context = n_ctx == 0 ? 4096 : size_t(n_ctx);

        hoard::OffloadPlanner planner = [&] {
            try {
                return hoard::OffloadPlanner::for_file(file);
            } catch (const hoard::Error& e) {
                throw CapiError(HOARD_ERROR_BAD_MODEL, e.what());
            }
        }();
        planner.use_synthetic_trace();
        // plan() throws with what is needed when the budget is too small.
        const hoard::OffloadPlan plan = planner.plan(device_bytes, context, low_precision);
        hoard::OffloadPredictionRequest request;
        request.device_bytes = device_bytes;
        request.n_ctx = context;
        request.low_precision = low_precision;
        const hoard::OffloadPrediction p = planner.predict(request);

        hoard_offload_plan out{};
        out.n_layer = plan.n_layer;
        out.n_expert = plan.n_expert;
        out.n_expert_used = plan.n_expert_used;
        out.device_bytes = plan.device_bytes;
        out.non_expert_bytes = plan.non_expert_bytes;
        out.kv_cache_bytes = plan.kv_cache_bytes;
        out.n_ctx = plan.n_ctx;
        out.workspace_bytes = plan.workspace_bytes;
        out.expert_area_bytes = plan.expert_area_bytes;
        out.expert_bytes_high = plan.expert_bytes_high;
        out.expert_bytes_low = plan.expert_bytes_low;
        out.high_slots = plan.high_slots;
        out.low_slots = plan.low_slots;
        out.resident_fraction = plan.resident_fraction;
        copy_name(out.high_format, plan.high_format);
        copy_name(out.low_format, plan.low_format);
        out.hit_rate = p.hit_rate;
        out.tokens_per_second = p.tokens_per_second;
        out.ideal_tokens_per_second = p.ideal_tokens_per_second;
        out.stall_seconds_per_token = p.stall_seconds_per_token;
        out.bytes_to_device_per_token = p.bytes_to_device_per_token;
        out.trace_tokens = p.trace_tokens;
        write_extensible(out_plan, out);
    });
}

} // extern "C"
