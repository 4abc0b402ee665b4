// The replay report as JSON: what `hoard replay` prints and the GUI's budget
// planner reads.
#include "offload/trace_replay.hpp"

namespace hoard::offload {
namespace {

using nlohmann::json;

json actions_json(const ActionCounts& a) {
    json out = json::object();
    for (ExpertAction act : {ExpertAction::HitHigh, ExpertAction::HitLow, ExpertAction::LoadHigh,
                             ExpertAction::LoadLow, ExpertAction::CpuCompute, ExpertAction::Skip})
        out[telemetry::action_name(act)] = a[act];
    return out;
}

double average(const std::vector<uint64_t>& v) {
    if (v.empty()) return 0;
    double sum = 0;
    for (uint64_t x : v) sum += double(x);
    return sum / double(v.size());
}

const char* on_off(bool b) {
    return b ? "on" : "off";
}

} // namespace

json report_to_json(const ReplayReport& r) {
    const ReplayConfig& c = r.config;
    json out;
    out["policy"] = r.policy;
    out["hit_rate"] = r.hit_rate();
    out["predicted_decode_tokens_per_s"] = r.decode_tokens_per_second();
    out["ideal_decode_tokens_per_s"] = r.ideal_tokens_per_second();
    out["stall_seconds"] = r.stall_seconds;
    out["decode_seconds"] = r.decode_seconds;
    out["actions"] = actions_json(r.actions);
    out["bytes"] = {{"host_to_device", r.bytes_to_device()},
                    {"host_to_device_high", r.bytes_to_device_high},
                    {"host_to_device_low", r.bytes_to_device_low},
                    {"host_to_device_prefetch", r.bytes_prefetched},
                    {"host_to_device_behind_cpu", r.bytes_admitted},
                    {"host_to_device_split", r.bytes_split},
                    {"storage_to_host", r.bytes_storage_to_host},
                    {"cpu_expert_reads", r.bytes_cpu_read}};
    out["evictions"] = r.evictions;
    out["split_experts"] = r.split_experts;
    out["link_busy_fraction"] = r.decode_seconds > 0 ? r.link_busy_seconds / r.decode_seconds : 0;
    out["cpu_busy_fraction"] = r.decode_seconds > 0 ? r.cpu_busy_seconds / r.decode_seconds : 0;
    if (c.prefetch.enabled)
        out["prefetch"] = {{"distance", c.prefetch.distance},
                           {"min_confidence", c.prefetch.min_confidence},
                           {"precision", r.prefetch.precision()},
                           {"recall", r.prefetch.recall()},
                           {"predicted", r.prefetch.predicted},
                           {"correct", r.prefetch.correct},
                           {"loads", r.prefetch.loads},
                           {"loads_used", r.prefetch.loads_used},
                           {"loads_evicted_unused", r.prefetch.loads_evicted_unused}};
    out["trace"] = {{"sequences", r.n_sequences},
                    {"tokens", r.n_tokens},
                    {"decisions", r.n_decisions},
                    {"missing_decisions", r.n_missing}};
    out["model"] = {{"name", r.shape.name},
                    {"n_layer", r.shape.n_layer},
                    {"n_expert", r.shape.n_expert},
                    {"n_expert_used", r.shape.n_expert_used},
                    {"high_format", r.shape.high_format},
                    {"low_format", r.shape.low_format},
                    {"expert_bytes_high", average(r.shape.expert_bytes_high)},
                    {"expert_bytes_low", average(r.shape.expert_bytes_low)},
                    {"non_expert_bytes", r.shape.non_expert_bytes}};
    const BudgetPlan& p = r.plan;
    out["plan"] = {{"device_bytes", p.device_bytes},
                   {"non_expert_bytes", p.non_expert_bytes},
                   {"kv_cache_bytes", p.kv_cache_bytes},
                   {"n_ctx", p.n_ctx},
                   {"workspace_bytes", p.workspace_bytes},
                   {"expert_area_bytes", p.expert_area_bytes},
                   {"pools", pool_layout_name(p.layout)},
                   {"high_pool_bytes", p.high_pool_bytes},
                   {"low_pool_bytes", p.low_pool_bytes},
                   {"high_slots", p.high_slots},
                   {"low_slots", p.low_slots},
                   {"resident_fraction", p.resident_fraction},
                   {"peak_pool_bytes", r.peak_pool_bytes}};
    out["config"] = {{"precision", on_off(c.precision.mixed)},
                     {"t1", c.precision.t1},
                     {"t2", c.precision.t2},
                     {"cpu_fallback", on_off(c.decision.cpu_fallback)},
                     {"cpu_load_behind", on_off(c.admit_cpu_experts)},
                     {"split_experts", on_off(c.split_experts)},
                     {"background_loads_with_splits", on_off(c.background_loads_with_splits)},
                     {"background_backlog_seconds", c.background_backlog_seconds},
                     {"skip", on_off(c.decision.allow_skip)},
                     {"prefetch", on_off(c.prefetch.enabled)},
                     {"overlap", on_off(c.cost.overlap)},
                     {"link_bytes_per_s", c.cost.host_to_device.bytes_per_second},
                     {"device_bytes_per_s", c.cost.device_bytes_per_second},
                     {"cpu_bytes_per_s", c.cost.cpu_bytes_per_second},
                     {"storage_bytes_per_s", c.cost.storage_to_host.bytes_per_second},
                     {"host_bytes", c.host_bytes}};
    json layers = json::array();
    for (size_t l = 0; l < r.layers.size(); ++l) {
        const LayerReplayStats& s = r.layers[l];
        layers.push_back({{"layer", l},
                          {"hit_rate", s.actions.hit_rate()},
                          {"requests", s.actions.total()},
                          {"actions", actions_json(s.actions)},
                          {"stall_seconds", s.stall_seconds}});
    }
    out["layers"] = std::move(layers);
    out["replay_seconds"] = r.replay_wall_seconds;
    return out;
}

} // namespace hoard::offload
