#include "offload/expert_sensitivity.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "model/expert_executor.hpp"
#include "model/model.hpp"
#include "offload/expert_compute.hpp"
#include "offload/low_precision_sidecar.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hoard::offload {
namespace {

// Runs the experts as the plain path does and keeps the first rows of every
// layer's normalized input.
class CalibrationCapture final : public model::ExpertExecutor {
  public:
    CalibrationCapture(const model::Model& model, size_t max_rows)
        : model_(model), max_rows_(max_rows), rows_(model.config().n_layer) {}

    void begin_pass(size_t, size_t) override {}
    void end_pass(bool) override {}

    void run_moe_layer(const model::MoeLayerWork& w) override {
        const model::ModelConfig& c = model_.config();
        std::vector<float>& kept = rows_[w.layer];
        const size_t room = max_rows_ - kept.size() / w.n_embd;
        const size_t take = std::min(room, w.n_tokens);
        kept.insert(kept.end(), w.xn, w.xn + take * w.n_embd);

        const size_t k = w.n_expert_used;
        gathered_.resize(w.n_tokens * k * w.n_embd);
        out_.resize(gathered_.size());
        for (size_t e = 0; e < c.n_expert; ++e) {
            const size_t begin = e == 0 ? 0 : w.expert_end[e - 1];
            const size_t m = w.expert_end[e] - begin;
            if (m == 0) continue;
            for (size_t i = 0; i < m; ++i)
                std::copy_n(w.xn + w.routed[begin + i] / k * w.n_embd, w.n_embd,
                            gathered_.data() + i * w.n_embd);
            compute_expert(*w.pool, model_.layer(w.layer).experts[e], gathered_.data(), m, w.n_embd,
                           c.n_ff_expert, scratch_, out_.data());
            for (size_t i = 0; i < m; ++i) {
                const size_t pair = w.routed[begin + i];
                float* x = w.x + pair / k * w.n_embd;
                const float* y = out_.data() + i * w.n_embd;
                for (size_t d = 0; d < w.n_embd; ++d) x[d] += w.gate_weights[pair] * y[d];
            }
        }
    }

    const std::vector<float>& rows(size_t layer) const { return rows_[layer]; }

  private:
    const model::Model& model_;
    size_t max_rows_;
    std::vector<std::vector<float>> rows_;
    std::vector<float> gathered_, out_;
    ExpertScratch scratch_;
};

// Takes the capture out of the model again, even when evaluation throws.
struct ExecutorReset {
    model::Model& model;
    ~ExecutorReset() { model.set_expert_executor(nullptr); }
};

} // namespace

std::vector<double> measure_expert_sensitivity(model::Model& model, const ExpertCatalog& catalog,
                                               std::span<const int32_t> calibration,
                                               quant::BlockFormat low, size_t max_rows,
                                               backend::cpu::ThreadPool& pool,
                                               const std::function<void(double)>& progress) {
    if (calibration.empty()) throw Error("sensitivity measurement needs calibration tokens");
    const model::ModelConfig& c = model.config();
    max_rows = std::clamp<size_t>(max_rows, 1, calibration.size());
    auto capture = std::make_shared<CalibrationCapture>(model, max_rows);
    {
        ExecutorReset reset{model};
        model.set_expert_executor(capture);
        model::KvCache cache = model.make_cache(calibration.size());
        std::vector<float> logits;
        model.eval(cache, calibration, pool, model::LogitsMode::Last, logits);
    }

    std::vector<double> errors(size_t(c.n_layer) * c.n_expert, 0.0);
    std::vector<uint8_t> low_bytes;
    std::vector<float> y_high, y_low;
    ExpertScratch scratch;
    const auto model_bytes = model.file().bytes();
    for (size_t l = 0; l < c.n_layer; ++l) {
        const std::vector<float>& rows = capture->rows(l);
        const size_t m = rows.size() / c.n_embd;
        y_high.resize(m * c.n_embd);
        y_low.resize(m * c.n_embd);
        for (size_t e = 0; e < c.n_expert; ++e) {
            const ExpertLayout& high = catalog.layout(uint32_t(l), uint32_t(e), Precision::High);
            compute_expert(pool, model.layer(l).experts[e], rows.data(), m, c.n_embd, c.n_ff_expert,
                           scratch, y_high.data());
            const ExpertLayout packed = quantize_expert(high, model_bytes, low, low_bytes);
            // quantize_expert lays the matrices out back to back (source offsets).
            model::ExpertMatrices views;
            backend::cpu::MatrixView* v[3] = {&views.gate, &views.up, &views.down};
            for (size_t i = 0; i < 3; ++i) {
                const MatrixLayout& x = packed.matrices[i];
                *v[i] = {x.format, low_bytes.data() + x.source_offset, x.n_rows, x.row_length,
                         size_t(x.row_stride)};
            }
            compute_expert(pool, views, rows.data(), m, c.n_embd, c.n_ff_expert, scratch,
                           y_low.data());
            double diff = 0, norm = 0;
            for (size_t i = 0; i < y_high.size(); ++i) {
                const double d = double(y_low[i]) - double(y_high[i]);
                diff += d * d;
                norm += double(y_high[i]) * double(y_high[i]);
            }
            errors[l * c.n_expert + e] = norm > 0 ? diff / norm : diff;
            if (progress) progress(double(l * c.n_expert + e + 1) / double(errors.size()));
        }
    }
    return errors;
}

std::vector<quant::BlockFormat> formats_by_sensitivity(std::span<const double> errors,
                                                       const SensitivityOptions& options) {
    std::vector<quant::BlockFormat> formats(errors.size(), options.low);
    const double f = std::clamp(options.sensitive_fraction, 0.0, 1.0);
    const size_t n_wide = size_t(std::ceil(f * double(errors.size())));
    std::vector<size_t> order(errors.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return errors[a] > errors[b]; });
    for (size_t i = 0; i < n_wide && i < order.size(); ++i) formats[order[i]] = options.sensitive;
    return formats;
}

} // namespace hoard::offload
