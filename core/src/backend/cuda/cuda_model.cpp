#include "backend/cuda/cuda_model.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/decode_graph.hpp"
#include "backend/cuda/device_queues.hpp"
#include "backend/cuda/forward_pass.hpp"
#include "hoard/error.hpp"

#include <algorithm>
#include <cstring>

namespace hoard::backend::cuda {
namespace {

constexpr size_t kReserve = size_t(1) << 30;

} // namespace

std::unique_ptr<CudaModel> CudaModel::create(const model::Model& model,
                                             const CudaModelOptions& options, std::string& reason) {
    try {
        std::optional<DeviceInfo> device = find_device(reason);
        if (!device) return nullptr;
        return std::unique_ptr<CudaModel>(new CudaModel(model, options, *device));
    } catch (const Error& e) {
        reason = e.what();
        return nullptr;
    }
}

std::unique_ptr<CudaModel> CudaModel::load(const model::Model& model,
                                           const CudaModelOptions& options) {
    std::string reason;
    std::unique_ptr<CudaModel> m = create(model, options, reason);
    if (!m) throw Error(reason);
    return m;
}

CudaModel::CudaModel(const model::Model& model, const CudaModelOptions& options, DeviceInfo device)
    : model_(model), options_(options), device_(std::move(device)) {
    size_t budget = options.memory_budget;
    if (budget == 0) budget = device_.free_bytes > kReserve ? device_.free_bytes - kReserve : 0;
    memory_ = std::make_unique<DeviceMemory>(budget);
    StagedUploader uploader;
    weights_ = upload_weights(model_, *memory_, uploader);
    if (options.cublas_min_tokens != SIZE_MAX) {
        // Sized for the largest batch a KV cache of this model works in.
        cublas_ = CublasPrefill::create(config(), kMaxPassBatch, options.cublas_min_tokens,
                                        *memory_, cublas_note_);
    } else {
        cublas_note_ = "cuBLAS prefill disabled";
    }
}

std::unique_ptr<DeviceKvCache> CudaModel::make_cache(size_t n_ctx) {
    return std::make_unique<DeviceKvCache>(config(), n_ctx, *memory_);
}

void CudaModel::check_request(const DeviceKvCache& cache, std::span<const int32_t> tokens) const {
    const model::ModelConfig& c = config();
    if (cache.n_layer() != c.n_layer || cache.k_width() != c.k_width() ||
        cache.v_width() != c.v_width() || cache.buffers().logits == nullptr)
        throw Error("this KV cache was made for a different model");
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || size_t(tokens[i]) >= c.n_vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " (at index " +
                        std::to_string(i) + ") is outside the model's vocabulary of " +
                        std::to_string(c.n_vocab) + " tokens");
    const size_t needed = cache.size() + tokens.size();
    if (needed > cache.capacity()) {
        if (cache.size() == 0)
            throw Error("the prompt is longer than the context (" + std::to_string(needed) +
                        " tokens > " + std::to_string(cache.capacity()) + ")");
        throw Error("the context is full (" + std::to_string(cache.size()) + " + " +
                    std::to_string(tokens.size()) + " tokens > " +
                    std::to_string(cache.capacity()) + ")");
    }
}

void CudaModel::eval(DeviceKvCache& cache, std::span<const int32_t> tokens, model::LogitsMode mode,
                     std::vector<float>& logits, model::RoutingObserver* routing) {
    check_request(cache, tokens);
    const model::ModelConfig& c = config();
    const size_t n = tokens.size();
    const bool all = mode == model::LogitsMode::All;
    logits.resize(n == 0 ? 0 : all ? n * c.n_vocab : c.n_vocab);
    if (n == 0) return;
    if (n == 1) {
        decode_one(cache, tokens[0], logits);
        if (routing) report_routing(cache, cache.size(), 1, *routing);
        cache.set_size(cache.size() + 1);
        return;
    }

    const PassBuffers& b = cache.buffers();
    const cudaStream_t s = cache.stream().get();
    const size_t start = cache.size();
    std::unique_lock<std::mutex> cublas_lock;
    if (cublas_ && std::min(n, b.batch) >= cublas_->min_tokens())
        cublas_lock = cublas_->begin_pass(s);
    for (size_t begin = 0; begin < n; begin += b.batch) {
        const size_t count = std::min(b.batch, n - begin);
        const bool last_slice = begin + count == n;
        std::memcpy(cache.host_tokens(), tokens.data() + begin, count * sizeof(int32_t));
        cache.host_meta()[0] = int32_t(start + begin);
        check_cuda(cudaMemcpyAsync(b.tokens, cache.host_tokens(), count * sizeof(int32_t),
                                   cudaMemcpyHostToDevice, s),
                   "copying tokens to the GPU");
        check_cuda(
            cudaMemcpyAsync(b.meta, cache.host_meta(), sizeof(int32_t), cudaMemcpyHostToDevice, s),
            "copying the position to the GPU");
        run_forward_pass(c, weights_, cache,
                         PassShape{count, all, cublas_lock ? cublas_.get() : nullptr}, s);
        if (all || last_slice) {
            // The host buffers are reused by the next slice: wait for this one.
            const size_t rows = all ? count : 1;
            float* dst = all ? logits.data() + begin * c.n_vocab : logits.data();
            check_cuda(cudaMemcpyAsync(dst, b.logits, rows * c.n_vocab * sizeof(float),
                                       cudaMemcpyDeviceToHost, s),
                       "copying logits from the GPU");
        }
        cache.stream().synchronize();
        if (routing) report_routing(cache, start + begin, count, *routing);
    }
    cache.set_size(start + n);
}

void CudaModel::report_routing(DeviceKvCache& cache, size_t first_position, size_t count,
                               model::RoutingObserver& routing) {
    const model::ModelConfig& c = config();
    if (!c.is_moe() || !routing.wants_routing()) return;
    const PassBuffers& b = cache.buffers();
    const size_t k = c.n_expert_used, row = count * k;
    routed_experts_.resize(c.n_layer * row);
    routed_weights_.resize(c.n_layer * row);
    const cudaStream_t s = cache.stream().get();
    check_cuda(cudaMemcpy2DAsync(routed_experts_.data(), row * sizeof(int32_t), b.routing_log,
                                 b.batch * k * sizeof(int32_t), row * sizeof(int32_t), c.n_layer,
                                 cudaMemcpyDeviceToHost, s),
               "copying the routing from the GPU");
    check_cuda(cudaMemcpy2DAsync(routed_weights_.data(), row * sizeof(float), b.gate_log,
                                 b.batch * k * sizeof(float), row * sizeof(float), c.n_layer,
                                 cudaMemcpyDeviceToHost, s),
               "copying the routing from the GPU");
    cache.stream().synchronize();
    for (size_t l = 0; l < c.n_layer; ++l)
        for (size_t t = 0; t < count; ++t) {
            const size_t at = l * row + t * k;
            routing.on_routing({l,
                                first_position + t,
                                {routed_experts_.data() + at, k},
                                {routed_weights_.data() + at, k}});
        }
}

void CudaModel::decode_one(DeviceKvCache& cache, int32_t token, std::vector<float>& logits) {
    const model::ModelConfig& c = config();
    const PassBuffers& b = cache.buffers();
    const cudaStream_t s = cache.stream().get();
    cache.host_tokens()[0] = token;
    cache.host_meta()[0] = int32_t(cache.size());
    auto issue = [&] {
        check_cuda(cudaMemcpyAsync(b.tokens, cache.host_tokens(), sizeof(int32_t),
                                   cudaMemcpyHostToDevice, s),
                   "copying the token to the GPU");
        check_cuda(
            cudaMemcpyAsync(b.meta, cache.host_meta(), sizeof(int32_t), cudaMemcpyHostToDevice, s),
            "copying the position to the GPU");
        run_forward_pass(c, weights_, cache, PassShape{1, false}, s);
        check_cuda(cudaMemcpyAsync(cache.host_logits(), b.logits, c.n_vocab * sizeof(float),
                                   cudaMemcpyDeviceToHost, s),
                   "copying logits from the GPU");
    };
    if (options_.use_graphs) {
        auto& graph = cache.decode_graph();
        if (!graph) graph = capture_graph(s, issue);
        launch_graph(*graph, s);
    } else {
        issue();
    }
    cache.stream().synchronize();
    std::memcpy(logits.data(), cache.host_logits(), c.n_vocab * sizeof(float));
}

} // namespace hoard::backend::cuda
