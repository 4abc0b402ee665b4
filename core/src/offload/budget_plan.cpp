#include "offload/budget_plan.hpp"

#include "hoard/error.hpp"
#include "offload/byte_size.hpp"

#include <cmath>
#include <limits>

namespace hoard::offload {
namespace {

constexpr uint64_t kPrefillChunk = 512;

uint64_t checked_add(uint64_t a, uint64_t b) {
    if (a > std::numeric_limits<uint64_t>::max() - b) throw Error("memory sizes overflow");
    return a + b;
}

uint64_t checked_mul(uint64_t a, uint64_t b) {
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
        throw Error("memory sizes overflow");
    return a * b;
}

} // namespace

const char* pool_layout_name(PoolLayout layout) {
    return layout == PoolLayout::Shared ? "shared" : "separate";
}

PoolLayout parse_pool_layout(const std::string& text) {
    if (text == "shared") return PoolLayout::Shared;
    if (text == "separate") return PoolLayout::Separate;
    throw Error("pool layout must be 'shared' or 'separate', not '" + text + "'");
}

uint64_t estimate_workspace_bytes(const OffloadShape& s) {
    // Per token of a chunk: hidden state, residual, normed input and attention
    // output (4 × n_embd), and an expert's gate, up and activation (3 × n_ff).
    const uint64_t per_token = (4ull * s.n_embd + 3ull * s.n_ff_expert) * sizeof(float);
    return kPrefillChunk * per_token + uint64_t(s.n_vocab) * sizeof(float);
}

BudgetPlan plan_budget(const OffloadShape& shape, const BudgetRequest& request) {
    if (request.device_bytes.has_value() == request.resident_fraction.has_value())
        throw Error("give either a device memory budget or a resident fraction of the experts");
    if (request.n_ctx == 0) throw Error("the planned context must hold at least one token");
    if (!(request.low_pool_share >= 0.0 && request.low_pool_share < 1.0))
        throw Error("the low-precision pool's share must be at least 0 and below 1");

    BudgetPlan plan;
    plan.non_expert_bytes = shape.non_expert_bytes;
    plan.n_ctx = request.n_ctx;
    plan.kv_cache_bytes = checked_mul(shape.kv_bytes_per_token, request.n_ctx);
    plan.workspace_bytes =
        request.workspace_bytes ? request.workspace_bytes : estimate_workspace_bytes(shape);
    plan.layout = request.layout;
    plan.low_precision = request.low_precision;

    const uint64_t fixed =
        checked_add(checked_add(plan.non_expert_bytes, plan.kv_cache_bytes), plan.workspace_bytes);
    // One layer's selected experts must fit at once, all at high precision.
    const uint64_t one_layer =
        checked_mul(shape.max_expert_bytes(Precision::High), shape.n_expert_used);
    const uint64_t all_experts = shape.total_expert_bytes(Precision::High);

    if (request.resident_fraction) {
        const double f = *request.resident_fraction;
        if (!(f >= 0.0 && f <= 1.0)) throw Error("the resident fraction must be between 0 and 1");
        plan.expert_area_bytes = uint64_t(std::ceil(f * double(all_experts)));
        plan.device_bytes = checked_add(fixed, plan.expert_area_bytes);
    } else {
        plan.device_bytes = *request.device_bytes;
        if (plan.device_bytes < fixed)
            throw Error("a device budget of " + format_byte_size(plan.device_bytes) +
                        " is too small: the non-expert weights (" +
                        format_byte_size(plan.non_expert_bytes) + "), the KV cache for " +
                        std::to_string(plan.n_ctx) + " tokens (" +
                        format_byte_size(plan.kv_cache_bytes) + ") and workspace (" +
                        format_byte_size(plan.workspace_bytes) + ") need " +
                        format_byte_size(fixed) + ", and one layer's experts another " +
                        format_byte_size(one_layer) + ": give at least " +
                        format_byte_size(fixed + one_layer));
        plan.expert_area_bytes = plan.device_bytes - fixed;
    }

    if (request.layout == PoolLayout::Shared || !request.low_precision) {
        plan.high_pool_bytes = plan.expert_area_bytes;
        plan.low_pool_bytes = 0;
    } else {
        plan.low_pool_bytes =
            uint64_t(std::floor(double(plan.expert_area_bytes) * request.low_pool_share));
        plan.high_pool_bytes = plan.expert_area_bytes - plan.low_pool_bytes;
    }
    if (plan.high_pool_bytes < one_layer)
        throw Error(
            "the device budget leaves " + format_byte_size(plan.high_pool_bytes) +
            " for high-precision experts, but one layer's " + std::to_string(shape.n_expert_used) +
            " selected experts need " + format_byte_size(one_layer) + ": give at least " +
            format_byte_size(fixed + one_layer + (plan.expert_area_bytes - plan.high_pool_bytes)) +
            (request.resident_fraction ? " (a larger resident fraction)" : ""));
    // The others of a layer's selection may be low copies in their own pool.
    const uint64_t low_needed =
        checked_mul(shape.max_expert_bytes(Precision::Low), shape.n_expert_used - 1);
    if (plan.layout == PoolLayout::Separate && plan.low_precision &&
        plan.low_pool_bytes < low_needed)
        throw Error("the low-precision pool gets " + format_byte_size(plan.low_pool_bytes) +
                    ", but one layer's low-precision experts need " + format_byte_size(low_needed) +
                    ": raise its share or the budget");

    const double n_all = double(shape.n_expert) * shape.n_layer;
    const double avg_high = double(all_experts) / n_all;
    const double avg_low = double(shape.total_expert_bytes(Precision::Low)) / n_all;
    plan.high_slots = double(plan.high_pool_bytes) / avg_high;
    plan.low_slots = plan.layout == PoolLayout::Shared ? double(plan.expert_area_bytes) / avg_low
                                                       : double(plan.low_pool_bytes) / avg_low;
    if (!request.low_precision) plan.low_slots = 0;
    plan.resident_fraction = double(plan.expert_area_bytes) / double(all_experts);
    return plan;
}

} // namespace hoard::offload
