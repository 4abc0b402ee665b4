#pragma once
// The seam between the MoE layer and where expert weights live. The layer
// asks for the gate/up/down matrices of each selected expert; the default
// source hands out views into the mapped file, the offload engine can hand
// out resident copies (another tier, another precision) instead.
#include "backend/cpu/matmul.hpp"

#include <cstddef>
#include <vector>

namespace hoard::model {

struct ExpertMatrices {
    backend::cpu::MatrixView gate; // n_ff_expert rows of n_embd
    backend::cpu::MatrixView up;   // n_ff_expert rows of n_embd
    backend::cpu::MatrixView down; // n_embd rows of n_ff_expert
};

class ExpertSource {
  public:
    virtual ~ExpertSource() = default;
    // Called on the evaluating thread for each expert a layer runs; the views
    // must stay valid until that layer's feed-forward step is done.
    virtual ExpertMatrices expert(size_t layer, size_t expert) = 0;
};

// Experts straight from the model file.
class MappedExpertSource final : public ExpertSource {
  public:
    explicit MappedExpertSource(std::vector<std::vector<ExpertMatrices>> layers)
        : layers_(std::move(layers)) {}
    ExpertMatrices expert(size_t layer, size_t expert) override {
        return layers_.at(layer).at(expert);
    }

  private:
    std::vector<std::vector<ExpertMatrices>> layers_;
};

} // namespace hoard::model
