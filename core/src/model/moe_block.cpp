#include "model/moe_block.hpp"

#include "backend/cpu/gated_activation.hpp"
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/softmax.hpp"
#include "hoard/error.hpp"
#include "model/eval_scratch.hpp"
#include "model/expert_executor.hpp"
#include "model/expert_source.hpp"
#include "model/layer_weights.hpp"
#include "model/model_config.hpp"
#include "model/routing_observer.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace hoard::model {

using namespace backend::cpu;

void route_token(const ModelConfig& c, std::span<float> logits, std::span<int32_t> experts,
                 std::span<float> weights) {
    // ExpertGating::SoftmaxTopK is the only gating so far.
    softmax(logits.data(), logits.size());
    float sum = 0.0f;
    for (size_t slot = 0; slot < experts.size(); ++slot) {
        size_t best = 0;
        for (size_t e = 1; e < logits.size(); ++e)
            if (logits[e] > logits[best]) best = e;
        experts[slot] = int32_t(best);
        weights[slot] = logits[best];
        sum += logits[best];
        logits[best] = -std::numeric_limits<float>::infinity(); // not chosen twice
    }
    if (c.normalize_expert_weights && sum > 0.0f)
        for (float& w : weights) w /= sum;
}

namespace {

void check_expert(const ModelConfig& c, const ExpertMatrices& m, size_t layer, size_t expert) {
    const bool ok = m.gate.n_rows == c.n_ff_expert && m.gate.row_length == c.n_embd &&
                    m.up.n_rows == c.n_ff_expert && m.up.row_length == c.n_embd &&
                    m.down.n_rows == c.n_embd && m.down.row_length == c.n_ff_expert &&
                    !m.gate.empty() && !m.up.empty() && !m.down.empty();
    if (!ok)
        throw Error("the expert source gave weights of the wrong shape for expert " +
                    std::to_string(expert) + " of layer " + std::to_string(layer));
}

} // namespace

void moe_ffn_block(const BlockContext& ctx, const LayerWeights& w, ExpertSource& source,
                   RoutingObserver* observer, ExpertExecutor* executor) {
    const ModelConfig& c = ctx.config;
    EvalScratch& s = ctx.scratch;
    const size_t n = ctx.n_tokens;
    const size_t k = c.n_expert_used;

    normalize_rows(ctx, w.ffn_norm);
    s.input.reset(s.xn.data(), c.n_embd, n, c.n_embd);
    matmul(ctx.pool, w.router, s.input, s.router_logits.data(), c.n_expert);
    for (size_t t = 0; t < n; ++t)
        route_token(c, {s.router_logits.data() + t * c.n_expert, c.n_expert},
                    {s.selected.data() + t * k, k}, {s.gate_weights.data() + t * k, k});
    if (observer != nullptr)
        for (size_t t = 0; t < n; ++t)
            observer->on_routing(RoutingDecision{ctx.layer,
                                                 ctx.first_position + t,
                                                 {s.selected.data() + t * k, k},
                                                 {s.gate_weights.data() + t * k, k}});

    // Group (token, slot) pairs by expert with a counting sort; afterwards
    // expert e's pairs are routed[end(e-1) … end(e)), end(e) = expert_count[e].
    std::fill(s.expert_count.begin(), s.expert_count.end(), 0u);
    for (size_t i = 0; i < n * k; ++i) ++s.expert_count[size_t(s.selected[i]) + 1];
    for (size_t e = 1; e <= c.n_expert; ++e) s.expert_count[e] += s.expert_count[e - 1];
    for (size_t i = 0; i < n * k; ++i)
        s.routed[s.expert_count[size_t(s.selected[i])]++] = uint32_t(i);

    if (executor != nullptr) {
        MoeLayerWork work;
        work.layer = ctx.layer;
        work.first_position = ctx.first_position;
        work.n_tokens = n;
        work.n_expert_used = k;
        work.n_embd = c.n_embd;
        work.xn = s.xn.data();
        work.x = s.x.data();
        work.selected = {s.selected.data(), n * k};
        work.gate_weights = {s.gate_weights.data(), n * k};
        work.expert_end = {s.expert_count.data(), c.n_expert};
        work.routed = {s.routed.data(), n * k};
        work.pool = &ctx.pool;
        executor->run_moe_layer(work);
        return;
    }

    for (size_t e = 0; e < c.n_expert; ++e) {
        const size_t begin = e == 0 ? 0 : s.expert_count[e - 1];
        const size_t m = s.expert_count[e] - begin;
        if (m == 0) continue;
        const ExpertMatrices weights = source.expert(ctx.layer, e);
        check_expert(c, weights, ctx.layer, e);

        for (size_t i = 0; i < m; ++i) {
            const size_t token = s.routed[begin + i] / k;
            std::memcpy(s.gathered.data() + i * c.n_embd, s.xn.data() + token * c.n_embd,
                        c.n_embd * sizeof(float));
        }
        s.input.reset(s.gathered.data(), c.n_embd, m, c.n_embd);
        matmul(ctx.pool, weights.gate, s.input, s.ffn_gate.data(), c.n_ff_expert);
        matmul(ctx.pool, weights.up, s.input, s.ffn_up.data(), c.n_ff_expert);
        silu_mul(s.ffn_gate.data(), s.ffn_up.data(), s.ffn_gate.data(), m * c.n_ff_expert);
        s.hidden.reset(s.ffn_gate.data(), c.n_ff_expert, m, c.n_ff_expert);
        matmul(ctx.pool, weights.down, s.hidden, s.expert_out.data(), c.n_embd);

        for (size_t i = 0; i < m; ++i) {
            const size_t pair = s.routed[begin + i];
            const float gate = s.gate_weights[pair];
            float* x = s.x.data() + pair / k * c.n_embd;
            const float* y = s.expert_out.data() + i * c.n_embd;
            for (size_t d = 0; d < c.n_embd; ++d) x[d] += gate * y[d];
        }
    }
}

} // namespace hoard::model
