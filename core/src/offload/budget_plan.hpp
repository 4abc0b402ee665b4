#pragma once
// How a device memory budget is divided: what every token needs (non-expert
// weights, the KV cache at the planned context, workspace) comes first; what
// is left holds cached experts, in one pool shared by high- and low-precision
// copies or in two separate pools.
#include "offload/offload_shape.hpp"
#include "offload/slot_classes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hoard::offload {

enum class PoolLayout : uint8_t { Shared, Separate };
const char* pool_layout_name(PoolLayout layout);
PoolLayout parse_pool_layout(const std::string& text); // "shared" | "separate"

struct BudgetRequest {
    // Exactly one of these: the device's memory budget, or the fraction of all
    // experts (at high precision) that the expert pools should hold.
    std::optional<uint64_t> device_bytes;
    std::optional<double> resident_fraction;

    size_t n_ctx = 4096;          // KV cache planned for this many positions
    uint64_t workspace_bytes = 0; // 0: estimate_workspace_bytes()
    bool low_precision = true;    // plan room for low-precision copies
    PoolLayout layout = PoolLayout::Shared;
    double low_pool_share = 0.25; // Separate layout: share of the expert area for low copies
};

struct BudgetPlan {
    uint64_t device_bytes = 0; // the whole budget (given, or derived from the fraction)
    uint64_t non_expert_bytes = 0;
    uint64_t kv_cache_bytes = 0;
    size_t n_ctx = 0;
    uint64_t workspace_bytes = 0;
    uint64_t expert_area_bytes = 0; // what is left for cached experts

    PoolLayout layout = PoolLayout::Shared;
    bool low_precision = true;
    // Shared: one pool of expert_area_bytes (reported as the high pool, low 0).
    uint64_t high_pool_bytes = 0;
    uint64_t low_pool_bytes = 0;
    // A device with slots of several sizes (slot_classes.hpp): the high (or
    // shared) pool is cut into these, each counted on its own. Empty: the
    // pools count bytes, whatever the copies' sizes.
    std::vector<SlotClass> slot_classes;

    // How many copies fit, at the average expert size: what a user reads.
    double high_slots = 0;        // the whole area filled with high-precision copies (Shared)
    double low_slots = 0;         // the whole area filled with low copies (Shared), or the low pool
    double resident_fraction = 0; // expert area / all experts at high precision

    uint64_t fixed_bytes() const { return non_expert_bytes + kv_cache_bytes + workspace_bytes; }
};

// Activations and scratch for a prefill chunk of 512 tokens plus one row of logits.
uint64_t estimate_workspace_bytes(const OffloadShape& shape);

// Throws hoard::Error when the budget cannot hold what every token needs, or
// leaves less than one layer's selected experts need at high precision; the
// message says how much is needed.
BudgetPlan plan_budget(const OffloadShape& shape, const BudgetRequest& request);

} // namespace hoard::offload
