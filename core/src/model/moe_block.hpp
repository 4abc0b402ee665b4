#pragma once
// The mixture-of-experts feed-forward: route each token of the batch to its
// top-k experts, run each selected expert once over all the tokens routed to
// it (so prefill streams every expert's weights once, not once per token), and
// add the gate-weighted outputs to the residual stream.
#include "model/transformer_block.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace hoard::model {

class ExpertExecutor;
class ExpertSource;
class RoutingObserver;
struct ModelConfig;

// Turns one token's router logits (n_expert values, overwritten) into the
// selected experts (highest weight first, ties to the lower id) and their
// gate weights, as the config's gating says.
void route_token(const ModelConfig& config, std::span<float> logits, std::span<int32_t> experts,
                 std::span<float> weights);

// x += Σ_k weight_k · expert_k(rms_norm(x)). With an executor, it runs the
// experts once they are routed (see expert_executor.hpp).
void moe_ffn_block(const BlockContext& ctx, const LayerWeights& w, ExpertSource& experts,
                   RoutingObserver* observer, ExpertExecutor* executor = nullptr);

} // namespace hoard::model
