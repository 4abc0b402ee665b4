#pragma once
// What `hoard info` shows about a model: its shape, parameter counts, how the
// bytes divide between always-used weights and routed experts, the
// quantization mix, and the memory a given context needs.
#include "hoard/model_summary.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::model {

class Model;

using hoard::FormatUsage;
using hoard::ModelSummary;

// True for the weights of routed experts ("blk.N.ffn_up_exps.weight",
// "blk.N.ffn_up.E.weight"), which run only for the tokens routed to them.
bool is_routed_expert_tensor(std::string_view name);

ModelSummary summarize(const Model& model, size_t n_ctx);

} // namespace hoard::model
