#include "offload/expert_layout.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"

#include <algorithm>

namespace hoard::offload {
namespace {

constexpr uint64_t kAlign = 64;

uint64_t align_up(uint64_t v) {
    return (v + kAlign - 1) / kAlign * kAlign;
}

MatrixLayout from_view(const backend::cpu::MatrixView& v, const gguf::GgufFile& file, size_t layer,
                       size_t expert) {
    const auto bytes = file.bytes();
    const uint64_t size = uint64_t(v.n_rows) * v.row_stride;
    if (v.data < bytes.data() || v.data + size > bytes.data() + bytes.size())
        throw Error(file.label() + ": expert " + std::to_string(expert) + " of layer " +
                    std::to_string(layer) + " is not stored in the model file");
    MatrixLayout m;
    m.format = v.format;
    m.n_rows = uint32_t(v.n_rows);
    m.row_length = uint32_t(v.row_length);
    m.row_stride = v.row_stride;
    m.source_offset = uint64_t(v.data - bytes.data());
    return m;
}

} // namespace

uint64_t ExpertLayout::payload_bytes() const {
    uint64_t total = 0;
    for (const MatrixLayout& m : matrices) total += m.bytes();
    return total;
}

model::ExpertMatrices ExpertLayout::views(const uint8_t* blob) const {
    auto view = [&](const MatrixLayout& m) {
        return backend::cpu::MatrixView{m.format, blob + m.blob_offset, m.n_rows, m.row_length,
                                        size_t(m.row_stride)};
    };
    return {view(matrices[0]), view(matrices[1]), view(matrices[2])};
}

void pack_layout(ExpertLayout& layout) {
    uint64_t at = 0;
    for (MatrixLayout& m : layout.matrices) {
        m.blob_offset = at;
        at = align_up(at + m.bytes());
    }
    layout.blob_bytes = at;
}

ExpertCatalog::ExpertCatalog(const model::Model& model) {
    const model::ModelConfig& c = model.config();
    if (!c.is_moe())
        throw Error("the model has no routed experts; offloading applies to MoE models");
    n_layer_ = uint32_t(c.n_layer);
    n_expert_ = uint32_t(c.n_expert);
    high_.resize(size_t(n_layer_) * n_expert_);
    low_.resize(high_.size());
    for (uint32_t l = 0; l < n_layer_; ++l) {
        const model::LayerWeights& w = model.layer(l);
        for (uint32_t e = 0; e < n_expert_; ++e) {
            const model::ExpertMatrices& x = w.experts.at(e);
            ExpertLayout& layout = high_[key(l, e)];
            layout.matrices = {from_view(x.gate, model.file(), l, e),
                               from_view(x.up, model.file(), l, e),
                               from_view(x.down, model.file(), l, e)};
            pack_layout(layout);
        }
    }
}

uint64_t ExpertCatalog::max_blob_bytes(Precision p) const {
    uint64_t m = 0;
    for (const ExpertLayout& l : p == Precision::High ? high_ : low_) m = std::max(m, l.blob_bytes);
    return m;
}

uint64_t ExpertCatalog::total_blob_bytes(Precision p) const {
    uint64_t t = 0;
    for (const ExpertLayout& l : p == Precision::High ? high_ : low_) t += l.blob_bytes;
    return t;
}

} // namespace hoard::offload
