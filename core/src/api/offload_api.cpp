// The public offload API (hoard/offload.hpp): a model's offload state and
// routing trace, and the budget planner built on trace replay.
#include "api/model_handle.hpp"
#include "hoard/error.hpp"
#include "hoard/offload.hpp"
#include "offload/budget_plan.hpp"
#include "offload/byte_size.hpp"
#include "offload/offload_setup.hpp"
#include "offload/offload_shape.hpp"
#include "offload/synthetic_trace.hpp"
#include "offload/trace_file.hpp"
#include "offload/trace_replay.hpp"

namespace hoard {
namespace {

OffloadPlan public_plan(const offload::BudgetPlan& p, const offload::OffloadShape& s) {
    OffloadPlan out;
    out.device_bytes = p.device_bytes;
    out.non_expert_bytes = p.non_expert_bytes;
    out.kv_cache_bytes = p.kv_cache_bytes;
    out.n_ctx = p.n_ctx;
    out.workspace_bytes = p.workspace_bytes;
    out.expert_area_bytes = p.expert_area_bytes;
    out.high_pool_bytes = p.high_pool_bytes;
    out.low_pool_bytes = p.low_pool_bytes;
    out.high_slots = p.high_slots;
    out.low_slots = p.low_slots;
    out.resident_fraction = p.resident_fraction;
    out.expert_bytes_high = s.total_expert_bytes(offload::Precision::High);
    out.expert_bytes_low = s.total_expert_bytes(offload::Precision::Low);
    out.n_layer = s.n_layer;
    out.n_expert = s.n_expert;
    out.n_expert_used = s.n_expert_used;
    out.high_format = s.high_format;
    out.low_format = s.low_format;
    return out;
}

std::optional<quant::BlockFormat> low_format_of(std::string_view name) {
    if (name.empty()) return std::nullopt;
    return offload::block_format_by_name(std::string(name));
}

} // namespace

// ---------------------------------------------------------------- Model

bool Model::offloaded() const {
    return impl_->offload != nullptr;
}

OffloadCounters Model::offload_counters() const {
    return impl_->offload ? impl_->offload->counters() : OffloadCounters{};
}

std::optional<OffloadPlan> Model::offload_plan() const {
    if (!impl_->offload) return std::nullopt;
    return public_plan(impl_->offload->plan(),
                       offload::live_shape(*impl_->model, impl_->offload->catalog()));
}

std::optional<OffloadSetup> Model::offload_setup() const {
    return impl_->offload_setup;
}

telemetry::EventBus& Model::event_bus() const {
    return *impl_->bus;
}

void Model::Impl::install_observers() {
    model::RoutingObserver* trace_observer = trace.get();
    if (publisher) {
        publisher->set_next(trace_observer);
        model->set_routing_observer(publisher.get());
    } else {
        model->set_routing_observer(trace_observer);
    }
}

void Model::start_routing_trace() {
    // The previous trace (if any) goes once nothing points at it.
    const auto previous = std::move(impl_->trace);
    impl_->trace = std::make_unique<offload::SequenceTraceRecorder>(*impl_->model);
    impl_->install_observers();
}

size_t Model::stop_routing_trace(const std::filesystem::path& path) {
    if (!impl_->trace) throw Error("no routing trace is being recorded");
    const auto trace = std::move(impl_->trace);
    impl_->install_observers();
    return trace->write(path);
}

// ---------------------------------------------------------------- OffloadPlanner

struct OffloadPlanner::Impl {
    offload::OffloadShape shape;
    std::optional<offload::RoutingTrace> trace;
    bool synthetic = false;

    const offload::RoutingTrace& trace_or_default() {
        if (!trace) {
            trace = offload::make_synthetic_trace(shape, {});
            synthetic = true;
        }
        return *trace;
    }
};

OffloadPlanner::OffloadPlanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OffloadPlanner::~OffloadPlanner() = default;
OffloadPlanner::OffloadPlanner(OffloadPlanner&&) noexcept = default;
OffloadPlanner& OffloadPlanner::operator=(OffloadPlanner&&) noexcept = default;

OffloadPlanner OffloadPlanner::for_file(const std::filesystem::path& model,
                                        std::string_view low_format) {
    auto impl = std::make_unique<Impl>();
    const auto file = gguf::GgufFile::open(model);
    impl->shape = offload::shape_from_gguf(*file, low_format_of(low_format));
    impl->shape.name = model.filename().string();
    return OffloadPlanner(std::move(impl));
}

OffloadPlanner OffloadPlanner::for_shape(const std::string& name, std::string_view low_format) {
    auto impl = std::make_unique<Impl>();
    impl->shape = offload::shape_preset(name, low_format_of(low_format));
    return OffloadPlanner(std::move(impl));
}

OffloadPlanner OffloadPlanner::for_model(const Model& model, std::string_view low_format) {
    auto impl = std::make_unique<Impl>();
    const Model::Impl& m = model.impl();
    if (m.offload && low_format.empty())
        impl->shape = offload::live_shape(*m.model, m.offload->catalog());
    else
        impl->shape = offload::shape_from_gguf(*m.file, low_format_of(low_format));
    impl->shape.name = m.path.filename().string();
    return OffloadPlanner(std::move(impl));
}

void OffloadPlanner::set_trace(const std::filesystem::path& path) {
    offload::TraceFile file = offload::read_trace_file(path);
    const offload::RoutingTrace& t = file.trace;
    const offload::OffloadShape& s = impl_->shape;
    if (t.n_layer() != s.n_layer || t.n_expert() > s.n_expert || t.top_k() > s.n_expert_used)
        throw Error(path.string() + ": the trace has " + std::to_string(t.n_layer()) +
                    " layers of " + std::to_string(t.n_expert()) + " experts (top-" +
                    std::to_string(t.top_k()) + "), the model " + std::to_string(s.n_layer) +
                    " layers of " + std::to_string(s.n_expert) + " (top-" +
                    std::to_string(s.n_expert_used) + ")");
    impl_->trace = std::move(file.trace);
    impl_->synthetic = false;
}

void OffloadPlanner::use_synthetic_trace(size_t n_tokens, double skew, uint64_t seed) {
    offload::SyntheticTraceOptions o;
    o.n_tokens = n_tokens;
    o.skew = skew;
    o.seed = seed;
    impl_->trace = offload::make_synthetic_trace(impl_->shape, o);
    impl_->synthetic = true;
}

size_t OffloadPlanner::trace_tokens() const {
    return impl_->trace_or_default().n_tokens();
}

bool OffloadPlanner::trace_is_synthetic() const {
    impl_->trace_or_default();
    return impl_->synthetic;
}

OffloadPlan OffloadPlanner::plan(uint64_t device_bytes, size_t n_ctx, bool low_precision) const {
    offload::BudgetRequest r;
    r.device_bytes = device_bytes;
    r.n_ctx = n_ctx;
    r.low_precision = low_precision;
    return public_plan(offload::plan_budget(impl_->shape, r), impl_->shape);
}

OffloadPrediction OffloadPlanner::predict(const OffloadPredictionRequest& q) const {
    offload::ReplayConfig c;
    c.policy = offload::parse_policy_kind(q.policy);
    c.budget.device_bytes = q.device_bytes;
    c.budget.resident_fraction = q.resident_fraction;
    c.budget.n_ctx = q.n_ctx;
    c.precision = {q.low_precision, q.t1, q.t2};
    c.decision.cpu_fallback = q.cpu_fallback;
    c.prefetch.enabled = q.prefetch;
    c.split_experts = q.split_experts;
    c.host_bytes = q.host_bytes;
    if (!(q.link_gbps > 0) || !(q.device_gbps > 0) || !(q.cpu_gbps > 0))
        throw Error("link, device and CPU rates must be positive");
    c.cost.host_to_device.bytes_per_second = q.link_gbps * 1e9;
    c.cost.device_bytes_per_second = q.device_gbps * 1e9;
    c.cost.cpu_bytes_per_second = q.cpu_gbps * 1e9;
    const offload::ReplayReport r =
        offload::replay_trace(impl_->trace_or_default(), impl_->shape, c);

    OffloadPrediction p;
    p.plan = public_plan(r.plan, impl_->shape);
    p.hit_rate = r.hit_rate();
    for (const offload::LayerReplayStats& l : r.layers)
        p.layer_hit_rates.push_back(l.actions.hit_rate());
    p.tokens_per_second = r.decode_tokens_per_second();
    p.ideal_tokens_per_second = r.ideal_tokens_per_second();
    p.stall_seconds_per_token = r.n_tokens ? r.stall_seconds / double(r.n_tokens) : 0.0;
    p.bytes_to_device_per_token = r.n_tokens ? r.bytes_to_device() / r.n_tokens : 0;
    const double total = double(r.actions.total());
    for (size_t i = 0; i < p.action_shares.size(); ++i)
        p.action_shares[i] = total > 0 ? double(r.actions.n[i]) / total : 0.0;
    p.trace_tokens = r.n_tokens;
    p.json = offload::report_to_json(r).dump();
    return p;
}

// ---------------------------------------------------------------- helpers

uint64_t parse_memory_size(std::string_view text) {
    return offload::parse_byte_size(text);
}

std::string format_memory_size(uint64_t bytes) {
    return offload::format_byte_size(bytes);
}

const char* offload_action_name(size_t action) {
    return action < 6 ? telemetry::action_name(telemetry::ExpertAction(action)) : "unknown";
}

} // namespace hoard
