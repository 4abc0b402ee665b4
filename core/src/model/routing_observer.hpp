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

    // The forward pass around the decisions, on the same thread (for timing):
    // a pass over tokens first_position … + n_tokens − 1 begins; one layer
    // (attention and feed-forward) is done; the pass (with its output head)
    // is over, `completed` false when it ended with an exception. Every
    // on_pass_begin gets exactly one on_pass_end. They run for dense models
    // too (without routing decisions).
    virtual void on_pass_begin(size_t first_position, size_t n_tokens) {
        (void)first_position;
        (void)n_tokens;
    }
    virtual void on_layer_end(size_t layer) { (void)layer; }
    virtual void on_pass_end(bool completed) { (void)completed; }
    // Whether on_routing does anything now (called after on_pass_begin): an
    // engine whose routing stays on a device fetches it only then.
    virtual bool wants_routing() const { return true; }
};

} // namespace hoard::model
