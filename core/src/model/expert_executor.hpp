#pragma once
// A second seam at the MoE layer, beside ExpertSource: an executor takes over
// the whole expert step of a layer once the router has chosen. It gets the
// selected experts, their gate weights and the tokens grouped by expert, and
// adds the mixture to the residual stream itself, so it can decide per expert
// where and at which precision it runs (the offload engine: resident copies,
// loads over a link, CPU fallback, all at once). Without one, the forward pass
// runs the experts itself, unchanged.
#include "backend/cpu/thread_pool.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace hoard::model {

// One layer's expert step for a batch of tokens. Spans point into the
// evaluating cache's scratch and are valid only during the call.
struct MoeLayerWork {
    size_t layer = 0;
    size_t first_position = 0; // position of the batch's first token
    size_t n_tokens = 0;
    size_t n_expert_used = 0; // k: selected experts per token
    size_t n_embd = 0;
    // rms_norm(x) with this layer's ffn_norm: what the router and experts read.
    const float* xn = nullptr;
    // The residual stream after this layer's attention; the executor adds
    // Σ gate · expert(xn) to it. Until then it is the state the router saw
    // before normalization, so an executor may look ahead from it.
    float* x = nullptr;
    std::span<const int32_t> selected;   // n_tokens × k expert ids, best first per token
    std::span<const float> gate_weights; // n_tokens × k, as the plain path applies them
    // The (token · k + slot) pairs grouped by expert: expert e's pairs are
    // routed[expert_end[e-1] … expert_end[e]) (from 0 for e = 0), in the order
    // the plain path adds them.
    std::span<const uint32_t> expert_end; // n_expert values
    std::span<const uint32_t> routed;     // n_tokens × k values
    backend::cpu::ThreadPool* pool = nullptr;
};

class ExpertExecutor {
  public:
    virtual ~ExpertExecutor() = default;
    // A forward pass over tokens at first_position … + n_tokens − 1 begins;
    // layers follow in order. May block until another pass (of another cache)
    // has ended, so that passes never interleave on one executor.
    virtual void begin_pass(size_t first_position, size_t n_tokens) = 0;
    virtual void run_moe_layer(const MoeLayerWork& work) = 0;
    // The pass is over; `completed` is false when it ended with an exception.
    // Called exactly once for every begin_pass.
    virtual void end_pass(bool completed) = 0;
};

} // namespace hoard::model
