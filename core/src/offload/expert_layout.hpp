#pragma once
// Where one copy of an expert keeps its three matrices. A copy is one blob:
// gate, up and down one after another (each 64-byte aligned), whatever tier
// holds it; each matrix also knows where its bytes start in its storage file
// (the model file for the high copy, the sidecar for the low one).
#include "model/expert_source.hpp"
#include "quant/block_format.hpp"
#include "telemetry/events.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace hoard::model {
class Model;
}

namespace hoard::offload {

using telemetry::Precision;

struct MatrixLayout {
    quant::BlockFormat format = quant::BlockFormat::F32;
    uint32_t n_rows = 0;
    uint32_t row_length = 0;
    uint64_t row_stride = 0;    // bytes between rows
    uint64_t blob_offset = 0;   // inside the expert's copy
    uint64_t source_offset = 0; // inside the storage file
    uint64_t bytes() const { return uint64_t(n_rows) * row_stride; }
};

struct ExpertLayout {
    std::array<MatrixLayout, 3> matrices{}; // gate, up, down
    uint64_t blob_bytes = 0;
    uint64_t payload_bytes() const; // the matrices without alignment padding
    // Views of the three matrices of a copy laid out like this.
    model::ExpertMatrices views(const uint8_t* blob) const;
};

// Sets the blob offsets (64-byte aligned, in order) and blob_bytes.
void pack_layout(ExpertLayout& layout);

// Every expert's layouts: high from the model file, low once a sidecar gave them.
class ExpertCatalog {
  public:
    // Throws hoard::Error for a model without routed experts or whose expert
    // matrices are not inside its mapped file.
    explicit ExpertCatalog(const model::Model& model);

    uint32_t n_layer() const { return n_layer_; }
    uint32_t n_expert() const { return n_expert_; }
    const ExpertLayout& layout(uint32_t layer, uint32_t expert, Precision p) const {
        return (p == Precision::High ? high_ : low_)[key(layer, expert)];
    }
    void set_low(uint32_t layer, uint32_t expert, const ExpertLayout& layout) {
        low_[key(layer, expert)] = layout;
    }
    bool has_low() const { return has_low_; }
    void mark_low_ready() { has_low_ = true; }
    uint64_t max_blob_bytes(Precision p) const;
    uint64_t total_blob_bytes(Precision p) const;

  private:
    size_t key(uint32_t layer, uint32_t expert) const { return size_t(layer) * n_expert_ + expert; }
    uint32_t n_layer_ = 0, n_expert_ = 0;
    std::vector<ExpertLayout> high_, low_;
    bool has_low_ = false;
};

} // namespace hoard::offload
