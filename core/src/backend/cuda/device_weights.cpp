#include "backend/cuda/device_weights.hpp"

#include "backend/cuda/device_queues.hpp"
#include "hoard/error.hpp"
#include "model/model.hpp"
#include "model/tensor_lookup.hpp"

#include <functional>
#include <span>

namespace hoard::backend::cuda {
namespace {

using backend::cpu::MatrixView;

constexpr size_t kAlign = 256;

bool has_kernels(quant::BlockFormat f) {
    switch (f) {
    case quant::BlockFormat::F32:
    case quant::BlockFormat::F16:
    case quant::BlockFormat::BF16:
    case quant::BlockFormat::Q4_0:
    case quant::BlockFormat::Q4_1:
    case quant::BlockFormat::Q5_0:
    case quant::BlockFormat::Q5_1:
    case quant::BlockFormat::Q8_0:
    case quant::BlockFormat::Q2_K:
    case quant::BlockFormat::Q3_K:
    case quant::BlockFormat::Q4_K:
    case quant::BlockFormat::Q5_K:
    case quant::BlockFormat::Q6_K:
        return true;
    default:
        return false;
    }
}

// Walks every weight twice: once to lay the arena out, once to copy. The
// visitor gets (host bytes, size, where the device copy goes).
class Placer {
  public:
    explicit Placer(uint8_t* base) : base_(base) {}
    using Copy = std::function<void(const void* src, size_t bytes, uint8_t* dst)>;
    void set_copy(Copy copy) { copy_ = std::move(copy); }
    size_t size() const { return at_ + kReadSlack; }

    const float* vector(const float* src, size_t n) {
        uint8_t* dst = take(n * sizeof(float));
        if (copy_) copy_(src, n * sizeof(float), dst);
        return reinterpret_cast<const float*>(dst);
    }

    DeviceMatrix matrix(const MatrixView& m) { return stack(std::span<const MatrixView>(&m, 1)); }

    // Same-shaped matrices one after another.
    DeviceMatrix stack(std::span<const MatrixView> views) {
        const MatrixView& first = views[0];
        if (!has_kernels(first.format))
            throw Error("the CUDA backend cannot compute with " +
                        std::string(quant::format_name(first.format)) + " weights");
        DeviceMatrix d;
        d.format = first.format;
        d.n_rows = first.n_rows;
        d.row_length = first.row_length;
        d.row_stride = first.row_stride;
        d.count = views.size();
        const size_t bytes = first.n_rows * first.row_stride;
        d.matrix_stride = (bytes + kAlign - 1) / kAlign * kAlign;
        uint8_t* dst = take(d.matrix_stride * views.size());
        d.data = dst;
        for (size_t i = 0; i < views.size(); ++i) {
            const MatrixView& v = views[i];
            if (v.format != d.format || v.n_rows != d.n_rows || v.row_stride != d.row_stride)
                throw Error("the experts of a layer differ in format or shape");
            if (copy_) copy_(v.data, bytes, dst + i * d.matrix_stride);
        }
        return d;
    }

  private:
    uint8_t* take(size_t bytes) {
        uint8_t* p = base_ + at_;
        at_ += (bytes + kAlign - 1) / kAlign * kAlign;
        return p;
    }

    uint8_t* base_;
    size_t at_ = 0;
    Copy copy_;
};

DeviceWeights place(const model::Model& m, Placer& p, bool experts) {
    const model::ModelConfig& c = m.config();
    DeviceWeights w;
    w.token_embd = p.matrix(m.token_embedding());
    w.output = m.output_tied_to_embedding() ? w.token_embd : p.matrix(m.output());
    w.layers.resize(c.n_layer);
    for (size_t l = 0; l < c.n_layer; ++l) {
        const model::LayerWeights& src = m.layer(l);
        DeviceLayer& d = w.layers[l];
        d.attn_norm = p.vector(src.attn_norm, c.n_embd);
        d.wq = p.matrix(src.wq);
        d.wk = p.matrix(src.wk);
        d.wv = p.matrix(src.wv);
        d.wo = p.matrix(src.wo);
        if (src.q_norm) d.q_norm = p.vector(src.q_norm, c.head_dim);
        if (src.k_norm) d.k_norm = p.vector(src.k_norm, c.head_dim);
        d.ffn_norm = p.vector(src.ffn_norm, c.n_embd);
        if (c.is_moe()) {
            d.router = p.matrix(src.router);
            if (!experts) {
                // Shapes and formats only: the offload engine places the bytes.
                auto describe = [&](const MatrixView& v) {
                    DeviceMatrix m;
                    m.format = v.format;
                    m.n_rows = v.n_rows;
                    m.row_length = v.row_length;
                    m.row_stride = v.row_stride;
                    m.count = src.experts.size();
                    return m;
                };
                d.gate = describe(src.experts.at(0).gate);
                d.up = describe(src.experts.at(0).up);
                d.down = describe(src.experts.at(0).down);
                continue;
            }
            std::vector<MatrixView> gate, up, down;
            for (const model::ExpertMatrices& e : src.experts) {
                gate.push_back(e.gate);
                up.push_back(e.up);
                down.push_back(e.down);
            }
            d.gate = p.stack(gate);
            d.up = p.stack(up);
            d.down = p.stack(down);
        } else {
            d.gate = p.matrix(src.ffn_gate);
            d.up = p.matrix(src.ffn_up);
            d.down = p.matrix(src.ffn_down);
        }
    }
    return w; // the output norm is placed by the caller, after the layers
}

} // namespace

size_t device_weight_bytes(const model::Model& model, bool experts) {
    Placer p(nullptr);
    place(model, p, experts);
    p.vector(nullptr, model.config().n_embd);
    return p.size();
}

DeviceWeights upload_weights(const model::Model& model, DeviceMemory& memory,
                             StagedUploader& uploader, bool experts) {
    const size_t bytes = device_weight_bytes(model, experts);
    DeviceBuffer arena = memory.allocate(bytes, experts ? "model weights" : "non-expert weights");
    Placer p(arena.as<uint8_t>());
    p.set_copy([&](const void* src, size_t n, uint8_t* dst) { uploader.upload(dst, src, n); });
    DeviceWeights w = place(model, p, experts);
    // Model keeps its output norm private; the file has it under its usual name.
    model::TensorLookup lookup(model.file());
    w.output_norm =
        p.vector(lookup.vector("output_norm.weight", model.config().n_embd), model.config().n_embd);
    uploader.finish();
    w.arena = std::move(arena);
    return w;
}

} // namespace hoard::backend::cuda
