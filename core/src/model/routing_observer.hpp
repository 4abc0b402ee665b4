#pragma once
// A hook that sees every routing decision, for trace recording and telemetry.
#include <cstddef>
#include <cstdint>
#include <span>

namespace hoard::model {

struct RoutingDecision {
    size_t layer = 0;
    size_t position = 0;              // the token's position in the sequence
    std::span<const int32_t> experts; // selected experts, highest gate weight first
    std::span<const float> weights;   // their gate weights, as applied
};

class RoutingObserver {
  public:
    virtual ~RoutingObserver() = default;
    // Called on the evaluating thread, layer by layer and, within a layer, in
    // token order; the spans are valid only during the call.
    virtual void on_routing(const RoutingDecision& decision) = 0;
};

} // namespace hoard::model
