#pragma once
// Buffers one forward pass needs, kept with the KV cache between calls. They
// grow to the largest batch seen and are never shrunk.
#include "backend/cpu/matmul.hpp"
#include "backend/cpu/rope.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hoard::model {

struct ModelConfig;

struct EvalScratch {
    // Per token of the batch (rows of the given width).
    std::vector<float> x;        // residual stream, n_embd
    std::vector<float> xn;       // normalized input of a sub-block, n_embd
    std::vector<float> q;        // queries, q_width
    std::vector<float> attn_out; // attention output, attn_out_width
    std::vector<float> proj;     // output of a projection back to n_embd
    std::vector<float> ffn_gate; // dense: n_ff; MoE: tokens routed to one expert × n_ff_expert
    std::vector<float> ffn_up;
    std::vector<float> router_logits; // n_expert

    // Mixture of experts: the batch's tokens grouped by expert.
    std::vector<int32_t> selected;      // n_tokens × n_expert_used expert ids
    std::vector<float> gate_weights;    // n_tokens × n_expert_used
    std::vector<uint32_t> expert_count; // n_expert + 1 offsets after grouping
    std::vector<uint32_t> routed;       // (token · n_expert_used + slot) grouped by expert
    std::vector<float> gathered;        // the inputs of one expert's tokens, n_embd each
    std::vector<float> expert_out;      // one expert's outputs, n_embd each

    std::vector<backend::cpu::RopeAngles> rope; // one per token
    backend::cpu::ActivationBatch input;        // activations of the current sub-block
    backend::cpu::ActivationBatch hidden;       // activations inside the feed-forward

    size_t batch_capacity = 0;

    // Makes every buffer big enough for n_tokens tokens of this model.
    void reserve(const ModelConfig& config, size_t n_tokens);
};

} // namespace hoard::model
