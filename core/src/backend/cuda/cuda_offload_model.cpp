#include "backend/cuda/cuda_offload_model.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_queues.hpp"
#include "backend/cuda/forward_pass.hpp"
#include "hoard/error.hpp"
#include "offload/expert_split.hpp"

#include <algorithm>
#include <cstring>

namespace hoard::backend::cuda {
namespace {

constexpr size_t kReserve = size_t(1) << 30;

} // namespace

// The pass's MoE step: the layer's routing comes down to the host, the
// executor decides and runs the experts (on the device's compute stream, the
// link and the CPU), and leaves the outputs in the pass's buffers.
class CudaOffloadModel::Step final : public MoeStep {
  public:
    Step(CudaOffloadModel& m) : m_(m) {
        const model::ModelConfig& c = m.config();
        const size_t batch = m.cache_->buffers().batch;
        k_ = c.n_expert_used;
        selected_.resize(batch * k_);
        gates_.resize(batch * k_);
        expert_end_.resize(c.n_expert);
        routed_.resize(batch * k_);
        host_ = PinnedBuffer(batch * k_ * 8 + batch * c.n_embd * 4 + c.n_embd * 4 + 256);
    }

    void set_pass(size_t first_position) { first_position_ = first_position; }

    void run(size_t layer, size_t n) override {
        const model::ModelConfig& c = m_.config();
        const PassBuffers& b = m_.cache_->buffers();
        const cudaStream_t s = m_.cache_->stream().get();
        auto* sel = host_.as<int32_t>();
        auto* gate = reinterpret_cast<float*>(sel + n * k_);
        auto* xn = gate + n * k_;
        auto* x = xn + n * c.n_embd;
        auto down = [&](void* dst, const void* src, size_t bytes) {
            check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s),
                       "copying the routing to the host");
        };
        down(sel, b.selected, n * k_ * sizeof(int32_t));
        down(gate, b.gate_weights, n * k_ * sizeof(float));
        down(xn, b.xn, n * c.n_embd * sizeof(float));
        // The prefetcher looks ahead from the residual stream (decode only).
        if (n == 1) down(x, b.x, c.n_embd * sizeof(float));
        check_cuda(cudaStreamSynchronize(s), "waiting for the routing");

        std::copy_n(sel, n * k_, selected_.begin());
        std::copy_n(gate, n * k_, gates_.begin());
        // Pairs grouped by expert, in the CPU engine's order (a counting sort).
        std::fill(expert_end_.begin(), expert_end_.end(), 0u);
        for (size_t i = 0; i < n * k_; ++i) {
            const int32_t e = selected_[i];
            if (e < 0 || size_t(e) >= c.n_expert)
                throw Error("internal error: the GPU router chose expert " + std::to_string(e));
            ++expert_end_[size_t(e)];
        }
        cursor_.assign(c.n_expert, 0);
        for (size_t e = 0, at = 0; e < c.n_expert; ++e) {
            cursor_[e] = uint32_t(at);
            at += expert_end_[e];
            expert_end_[e] = uint32_t(at);
        }
        for (size_t i = 0; i < n * k_; ++i) routed_[cursor_[size_t(selected_[i])]++] = uint32_t(i);

        model::MoeLayerWork w;
        w.layer = layer;
        w.first_position = first_position_;
        w.n_tokens = n;
        w.n_expert_used = k_;
        w.n_embd = c.n_embd;
        w.xn = xn;
        w.x = x;
        w.selected = {selected_.data(), n * k_};
        w.gate_weights = {gates_.data(), n * k_};
        w.expert_end = {expert_end_.data(), c.n_expert};
        w.routed = {routed_.data(), n * k_};
        w.pool = &m_.pool_;
        m_.device_->begin_layer();
        m_.executor_->run_moe_layer(w);
    }

  private:
    CudaOffloadModel& m_;
    size_t k_ = 0, first_position_ = 0;
    PinnedBuffer host_;
    std::vector<int32_t> selected_;
    std::vector<float> gates_;
    std::vector<uint32_t> expert_end_, cursor_, routed_;
};

CudaOffloadModel::CudaOffloadModel(const model::Model& model, const CudaOffloadOptions& options,
                                   Clock::time_point epoch)
    : model_(model), options_(options) {
    const model::ModelConfig& c = model.config();
    if (!c.is_moe()) throw Error("offloading experts needs a mixture-of-experts model");
    std::string reason;
    std::optional<DeviceInfo> found = find_device(reason);
    if (!found) throw Error(reason);
    info_ = *found;
    size_t budget = options.memory_budget;
    if (budget == 0) budget = info_.free_bytes > kReserve ? info_.free_bytes - kReserve : 0;
    if (budget > info_.free_bytes)
        throw Error("the GPU memory budget of " + gib_text(budget) + " is more than the " +
                    gib_text(info_.free_bytes) + " the GPU has free");
    memory_ = std::make_shared<DeviceMemory>(budget);
    {
        StagedUploader uploader;
        weights_ = upload_weights(model_, *memory_, uploader, false);
    }
    cache_ = std::make_unique<DeviceKvCache>(c, options.n_ctx, *memory_);
    if (options.cublas_min_tokens != SIZE_MAX &&
        CublasPrefill::planned_bytes(c, cache_->buffers().batch) <= budget / 32) {
        std::string reason;
        cublas_ = CublasPrefill::create(c, cache_->buffers().batch, options.cublas_min_tokens,
                                        *memory_, reason);
    }
    const size_t after_fixed = memory_->used();

    ExpertDeviceOptions d;
    d.max_tokens = cache_->buffers().batch;
    d.n_expert = c.n_expert;
    d.n_expert_used = c.n_expert_used;
    d.n_embd = c.n_embd;
    d.link_bytes_per_second = options.link_bytes_per_second;
    d.device_name = info_.name;
    const bool low = options.low_copy_bytes > 0;
    const bool separate = low && options.separate_pools;
    const size_t split_bytes =
        options.split_experts
            ? c.n_expert_used *
                  (round_up(size_t(double(options.high_copy_bytes) * offload::kSplitMaxDeviceShare),
                            256) +
                   (size_t(1) << 20)) // padding of down's rows, alignment
            : 0;
    size_t workspace = 0, area = 0;
    // Room for split-expert parts first; a budget too small for them and one
    // layer's experts goes without splits.
    for (const size_t split : {split_bytes, size_t(0)}) {
        d.split_bytes = split;
        workspace = DeviceMemory::counted_size(CudaExpertDevice::workspace_bytes(d)) +
                    DeviceMemory::counted_size(split);
        const size_t fixed = after_fixed + workspace + options.driver_reserve;
        area = budget > fixed ? budget - fixed : 0;
        // Each arena (up to four slot classes and the low pool) loses up to a
        // 2 MiB page to rounding and read slack.
        area = area > (size_t(12) << 20) ? area - (size_t(12) << 20) : 0;
        d.n_low_slots = 0;
        if (separate) {
            d.low_slot_bytes = round_up(options.low_copy_bytes, 256);
            d.n_low_slots = size_t(double(area) * options.low_pool_share) / d.low_slot_bytes;
            area -= d.n_low_slots * d.low_slot_bytes;
        }
        offload::SlotClassRequest classes;
        classes.area_bytes = area;
        classes.min_slots = c.n_expert_used;
        classes.must_fit = separate ? 0 : options.low_copy_bytes;
        d.high_classes.clear();
        if (options.plan_slot_classes) {
            d.high_classes = options.plan_slot_classes(classes);
        } else {
            // One class cut to the largest copy.
            offload::SlotClass one;
            one.slot_bytes = round_up(std::max(options.high_copy_bytes, classes.must_fit), 256);
            one.n_slots = area / one.slot_bytes;
            if (one.n_slots >= classes.min_slots) d.high_classes.push_back(one);
        }
        if (!d.high_classes.empty() || split == 0) break;
    }
    if (d.high_classes.empty())
        throw Error("the GPU memory budget of " + gib_text(budget) + " leaves " + gib_text(area) +
                    " for experts after the other weights (" + gib_text(weights_.bytes()) +
                    "), the KV cache and working buffers; one layer's " +
                    std::to_string(c.n_expert_used) + " experts need " +
                    gib_text(c.n_expert_used * round_up(options.high_copy_bytes, 256)));
    owned_device_ = std::make_unique<CudaExpertDevice>(memory_, d, epoch);
    device_ = owned_device_.get();
    device_->bind(&cache_->buffers(), cache_->stream().get());
    device_->set_cublas(cublas_.get());

    plan_.device_bytes = budget;
    plan_.non_expert_bytes = DeviceMemory::counted_size(weights_.bytes());
    const size_t scratch = cublas_ ? cublas_->counted_bytes() : 0;
    plan_.kv_cache_bytes =
        after_fixed - scratch - plan_.non_expert_bytes; // with the pass's buffers
    plan_.n_ctx = options.n_ctx;
    plan_.workspace_bytes = workspace + options.driver_reserve + scratch;
    plan_.layout = separate ? offload::PoolLayout::Separate : offload::PoolLayout::Shared;
    plan_.low_precision = low;
    plan_.slot_classes = d.high_classes;
    plan_.high_pool_bytes = 0;
    size_t n_high_slots = 0;
    for (const offload::SlotClass& k : d.high_classes) {
        plan_.high_pool_bytes += k.bytes();
        n_high_slots += k.n_slots;
    }
    plan_.low_pool_bytes = d.n_low_slots * d.low_slot_bytes;
    plan_.expert_area_bytes = plan_.high_pool_bytes + plan_.low_pool_bytes;
    plan_.high_slots = double(n_high_slots);
    plan_.low_slots = separate ? double(d.n_low_slots)
                               : (low ? double(plan_.high_pool_bytes) /
                                            double(std::max<size_t>(options.low_copy_bytes, 1))
                                      : 0.0);
    plan_.resident_fraction = options.expert_bytes_high ? double(plan_.expert_area_bytes) /
                                                              double(options.expert_bytes_high)
                                                        : 0.0;
    step_ = std::make_unique<Step>(*this);
}

CudaOffloadModel::~CudaOffloadModel() {
    // The executor (and with it the device) may outlive this object in a
    // caller's hands: nothing of the pass may be used after this point.
    if (cache_) cudaStreamSynchronize(cache_->stream().get());
    if (device_) {
        device_->bind(nullptr, nullptr);
        device_->set_cublas(nullptr);
    }
}

std::unique_ptr<offload::DeviceBackend> CudaOffloadModel::take_device() {
    if (!owned_device_) throw Error("internal error: the GPU expert device was already taken");
    return std::move(owned_device_);
}

void CudaOffloadModel::set_executor(std::shared_ptr<model::ExpertExecutor> executor) {
    executor_ = std::move(executor);
}

void CudaOffloadModel::run_pass(size_t begin, size_t count, bool all_logits) {
    const PassBuffers& b = cache_->buffers();
    const cudaStream_t s = cache_->stream().get();
    check_cuda(cudaMemcpyAsync(b.tokens, cache_->host_tokens(), count * sizeof(int32_t),
                               cudaMemcpyHostToDevice, s),
               "copying tokens to the GPU");
    check_cuda(
        cudaMemcpyAsync(b.meta, cache_->host_meta(), sizeof(int32_t), cudaMemcpyHostToDevice, s),
        "copying the position to the GPU");
    step_->set_pass(begin);
    std::unique_lock<std::mutex> cublas_lock;
    if (cublas_ && count >= cublas_->min_tokens()) cublas_lock = cublas_->begin_pass(s);
    executor_->begin_pass(begin, count);
    try {
        // The pass's own products (attention) through cuBLAS too, when its lock is held.
        run_forward_pass(config(), weights_, *cache_,
                         PassShape{count, all_logits, cublas_lock ? cublas_.get() : nullptr}, s,
                         step_.get());
        cache_->stream().synchronize();
    } catch (...) {
        cudaStreamSynchronize(s);
        executor_->end_pass(false);
        throw;
    }
    executor_->end_pass(true);
}

void CudaOffloadModel::eval(std::span<const int32_t> tokens, model::LogitsMode mode,
                            std::vector<float>& logits) {
    if (!executor_) throw Error("internal error: the offloaded GPU model has no executor");
    const model::ModelConfig& c = config();
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || size_t(tokens[i]) >= c.n_vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " (at index " +
                        std::to_string(i) + ") is outside the model's vocabulary of " +
                        std::to_string(c.n_vocab) + " tokens");
    const size_t n = tokens.size();
    if (cache_->size() + n > cache_->capacity())
        throw Error("the context is full (" + std::to_string(cache_->size()) + " + " +
                    std::to_string(n) + " tokens > " + std::to_string(cache_->capacity()) + ")");
    const bool all = mode == model::LogitsMode::All;
    logits.resize(n == 0 ? 0 : all ? n * c.n_vocab : c.n_vocab);
    if (n == 0) return;
    const PassBuffers& b = cache_->buffers();
    const size_t start = cache_->size();
    for (size_t begin = 0; begin < n; begin += b.batch) {
        const size_t count = std::min(b.batch, n - begin);
        std::memcpy(cache_->host_tokens(), tokens.data() + begin, count * sizeof(int32_t));
        cache_->host_meta()[0] = int32_t(start + begin);
        const bool want = all || begin + count == n;
        run_pass(start + begin, count, all);
        if (want) {
            const size_t rows = all ? count : 1;
            float* dst = all ? logits.data() + begin * c.n_vocab : logits.data();
            check_cuda(
                cudaMemcpy(dst, b.logits, rows * c.n_vocab * sizeof(float), cudaMemcpyDeviceToHost),
                "copying logits from the GPU");
        }
        cache_->set_size(start + begin + count);
    }
}

} // namespace hoard::backend::cuda
