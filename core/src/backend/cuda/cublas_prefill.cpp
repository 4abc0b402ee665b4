#include "backend/cuda/cublas_prefill.hpp"

#include "backend/cuda/cublas_library.hpp"
#include "backend/cuda/cublas_prefill_kernels.hpp"
#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/device_kv_cache.hpp"
#include "backend/cuda/row_ops.hpp"
#include "hoard/error.hpp"
#include "model/model_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace hoard::backend::cuda {
namespace {

// cuBLAS's recommended workspace on Hopper.
constexpr size_t kWorkspaceBytes = size_t(32) << 20;
// Device memory cuBLAS may still take for kernels first used after the warm-up,
// and a guess of what the warm-up takes (for planning before it runs).
constexpr size_t kLibraryHeadroom = size_t(32) << 20;
constexpr size_t kLibraryGuess = size_t(64) << 20;

size_t padded(size_t n) {
    return round_up(n, 8);
}

size_t env_min_tokens() {
    const char* v = std::getenv("HOARD_CUDA_CUBLAS_MIN_TOKENS");
    if (!v || !*v) return 128;
    return std::max<size_t>(1, std::strtoull(v, nullptr, 10));
}

// The buffers create() allocates, in bytes.
struct CublasPrefillSizes {
    size_t workspace = kWorkspaceBytes;
    size_t weights = 0; // the largest matrix a pass decodes at once
    size_t gathered = 0, gate_up = 0, h = 0, sorted_out = 0; // MoE only

    CublasPrefillSizes(const model::ModelConfig& c, size_t batch) {
        const bool moe = c.is_moe();
        const size_t ff = moe ? c.n_ff_expert : c.n_ff, k = moe ? c.n_expert_used : 1;
        // An expert's gate and up together, or an attention projection.
        weights = sizeof(__half) *
                  std::max({2 * ff * padded(c.n_embd), c.q_width() * padded(c.n_embd),
                            c.n_embd * padded(c.attn_out_width()), c.n_embd * padded(ff)});
        if (!moe) return;
        gathered = batch * k * padded(c.n_embd) * sizeof(__half);
        gate_up = batch * 2 * ff * sizeof(float);
        h = batch * padded(ff) * sizeof(__half);
        sorted_out = batch * k * c.n_embd * sizeof(float);
    }
};

} // namespace

size_t CublasPrefill::planned_bytes(const model::ModelConfig& c, size_t batch) {
    const CublasPrefillSizes z(c, batch);
    size_t total = 0;
    for (size_t b : {z.workspace, z.weights, z.weights, z.gathered, z.gate_up, z.h, z.sorted_out,
                     kLibraryHeadroom + kLibraryGuess})
        if (b) total += DeviceMemory::counted_size(b);
    return total;
}

std::unique_ptr<CublasPrefill> CublasPrefill::create(const model::ModelConfig& c, size_t batch,
                                                     size_t min_tokens, DeviceMemory& memory,
                                                     std::string& reason) {
    const CublasLibrary* lib = CublasLibrary::get(reason);
    if (!lib) return nullptr;
    std::unique_ptr<CublasPrefill> p(new CublasPrefill());
    p->lib_ = lib;
    p->min_tokens_ = min_tokens ? min_tokens : env_min_tokens();
    p->n_embd_ = c.n_embd;
    p->batch_ = batch;
    const bool moe = c.is_moe();
    p->n_expert_ = moe ? c.n_expert : 0;
    p->ff_ = moe ? c.n_ff_expert : c.n_ff;
    const CublasPrefillSizes z(c, batch);
    p->weight_halves_ = z.weights / sizeof(__half);
    try {
        p->workspace_ = memory.allocate(z.workspace, "cuBLAS workspace");
        for (DeviceBuffer& w : p->weights_)
            w = memory.allocate(z.weights, "prefill weight scratch");
        if (moe) {
            p->gathered_ = memory.allocate(z.gathered, "prefill expert inputs");
            p->gate_up_ = memory.allocate(z.gate_up, "prefill expert products");
            p->h_ = memory.allocate(z.h, "prefill expert activations");
            p->sorted_out_ = memory.allocate(z.sorted_out, "prefill expert outputs");
            p->offsets_host_ = PinnedBuffer((p->n_expert_ + 1) * sizeof(uint32_t));
        }
        p->decode_stream_ = std::make_unique<Stream>();
        p->start_ = std::make_unique<Event>();
        for (int i = 0; i < 2; ++i) {
            p->ready_[i] = std::make_unique<Event>();
            p->free_[i] = std::make_unique<Event>();
        }
    } catch (const Error& e) {
        reason = std::string("no room for cuBLAS prefill buffers: ") + e.what();
        return nullptr;
    }
    // cuBLAS allocates its own device memory (handle state, kernel code):
    // measured around the warm-up and counted against the budget, with room
    // for kernels of other shapes loaded later.
    size_t free_before = 0, free_after = 0, total = 0;
    device_memory_info(free_before, total);
    try {
        p->warm_up();
        device_memory_info(free_after, total);
        const size_t taken = free_before > free_after ? free_before - free_after : 0;
        p->library_memory_ = memory.reserve(taken + kLibraryHeadroom, "cuBLAS's own memory");
    } catch (const Error& e) {
        reason = std::string("cuBLAS did not start: ") + e.what();
        return nullptr;
    }
    return p;
}

void CublasPrefill::warm_up() {
    // cuBLAS loads its library and kernels on first use (~0.1 s): done here,
    // at model load, rather than in the first prompt. The shapes are an
    // expert's two products over a quarter of a full batch; the scratch
    // buffers' contents do not matter.
    stream_ = decode_stream_->get();
    handle_ = lib_->create_handle(stream_, workspace_.data(), workspace_.bytes());
    if (!gathered_.empty()) {
        const size_t m = std::max<size_t>(1, batch_ / 4), ld_in = padded(n_embd_);
        const size_t ld_ff = padded(ff_);
        lib_->gemm_abt(handle_, m, 2 * ff_, n_embd_, gathered_.data(), ld_in, weights_[0].data(),
                       ld_in, gate_up_.data(), 2 * ff_, false, 1.0f, 0.0f);
        lib_->gemm_abt(handle_, m, n_embd_, ff_, h_.data(), ld_ff, weights_[1].data(), ld_ff,
                       sorted_out_.data(), n_embd_, false, 1.0f, 0.0f);
    }
    decode_stream_->synchronize();
}

CublasPrefill::~CublasPrefill() {
    if (handle_) lib_->destroy_handle(handle_);
}

size_t CublasPrefill::counted_bytes() const {
    size_t total = 0;
    for (const DeviceBuffer* b : {&workspace_, &weights_[0], &weights_[1], &gathered_, &gate_up_,
                                  &h_, &sorted_out_, &library_memory_})
        if (b->bytes()) total += DeviceMemory::counted_size(b->bytes());
    return total;
}

std::unique_lock<std::mutex> CublasPrefill::begin_pass(cudaStream_t stream) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stream != stream_) lib_->set_stream(handle_, stream); // created by warm_up()
    stream_ = stream;
    return lock;
}

bool CublasPrefill::project(const DeviceMatrix& w, const __half* a, size_t a_stride, size_t m,
                            float* out, size_t out_stride, bool add) {
    const size_t ld = padded(w.row_length);
    if (w.n_rows * ld > weight_halves_ || a_stride % 8) return false;
    // On the pass's stream (experts() leaves nothing of the decode stream's
    // unwaited for); the next experts() decodes into this buffer after free_[0].
    __half* wh = weights_[0].as<__half>();
    dequantize_half(w, 0, w.n_rows, wh, ld, stream_);
    lib_->gemm_abt(handle_, m, w.n_rows, w.row_length, a, a_stride, wh, ld, out, out_stride, false,
                   1.0f, add ? 1.0f : 0.0f);
    free_[0]->record(stream_);
    return true;
}

void CublasPrefill::experts(const DeviceMatrix& gate, const DeviceMatrix& up,
                            const DeviceMatrix& down, const PassBuffers& b, size_t n_tokens,
                            size_t k, bool h_int8_grid) {
    if (gathered_.empty() || n_tokens > batch_ || gate.count != n_expert_)
        throw Error("internal error: cuBLAS expert products set up for another shape");
    const size_t n_pairs = n_tokens * k;
    // The group sizes decide the products' shapes: the one wait of the step.
    auto* offsets = offsets_host_.as<uint32_t>();
    check_cuda(cudaMemcpyAsync(offsets, b.offsets, (n_expert_ + 1) * sizeof(uint32_t),
                               cudaMemcpyDeviceToHost, stream_),
               "copying the expert groups to the host");
    check_cuda(cudaStreamSynchronize(stream_), "waiting for the expert groups");
    if (offsets[n_expert_] != n_pairs)
        throw Error("internal error: the expert groups do not cover the batch");

    groups_.clear();
    for (size_t e = 0; e < n_expert_; ++e)
        if (offsets[e + 1] > offsets[e])
            groups_.push_back(
                {gate.at(e), up.at(e), down.at(e), offsets[e], offsets[e + 1] - offsets[e]});
    experts(groups_, b.pairs, n_pairs, b, k, h_int8_grid);
}

void CublasPrefill::experts(std::span<const ExpertProducts> groups, const uint32_t* list,
                            size_t n_pairs, const PassBuffers& b, size_t k, bool h_int8_grid) {
    if (gathered_.empty() || n_pairs > batch_ * k)
        throw Error("internal error: cuBLAS expert products set up for another shape");
    const size_t ld_in = padded(n_embd_), ld_ff = padded(ff_);
    __half* a = gathered_.as<__half>();
    float* gu = gate_up_.as<float>();
    __half* h = h_.as<__half>();
    float* sorted = sorted_out_.as<float>();
    for (const ExpertProducts& g : groups)
        if (g.m && (g.gate.n_rows != ff_ || g.down.n_rows != n_embd_ || g.begin + g.m > n_pairs ||
                    g.m > batch_))
            throw Error("internal error: an expert's shape does not match the cuBLAS buffers");
    gather_half_rows(b.xh, b.embd_pad, list, uint32_t(k), n_pairs, n_embd_, a, ld_in, stream_);

    // Step 2i decodes expert i's gate and up (rows 0 … ff and ff … 2ff of a
    // buffer), step 2i + 1 its down; step j uses buffer j % 2. The decode
    // stream starts after what the pass's stream holds so far (an offloaded
    // expert's copy must have arrived).
    const Stream& ds = *decode_stream_;
    start_->record(stream_);
    ds.wait(*start_);
    std::vector<const ExpertProducts*> order;
    for (const ExpertProducts& g : groups)
        if (g.m) order.push_back(&g);
    const size_t steps = 2 * order.size();
    auto decode_step = [&](size_t j) {
        const ExpertProducts& g = *order[j / 2];
        __half* w = weights_[j % 2].as<__half>();
        ds.wait(*free_[j % 2]);
        if (j % 2 == 0) {
            dequantize_half(g.gate, 0, ff_, w, ld_in, ds.get());
            dequantize_half(g.up, 0, ff_, w + ff_ * ld_in, ld_in, ds.get());
        } else {
            dequantize_half(g.down, 0, n_embd_, w, ld_ff, ds.get());
        }
        ready_[j % 2]->record(ds);
    };
    if (steps) decode_step(0);
    for (size_t j = 0; j < steps; ++j) {
        if (j + 1 < steps) decode_step(j + 1);
        const ExpertProducts& g = *order[j / 2];
        const __half* w = weights_[j % 2].as<__half>();
        check_cuda(cudaStreamWaitEvent(stream_, ready_[j % 2]->get(), 0),
                   "ordering the prefill streams");
        if (j % 2 == 0) {
            lib_->gemm_abt(handle_, g.m, 2 * ff_, n_embd_, a + g.begin * ld_in, ld_in, w, ld_in, gu,
                           2 * ff_, false, 1.0f, 0.0f);
            silu_mul_half(gu, 2 * ff_, g.m, ff_, h_int8_grid, h, ld_ff, stream_);
        } else {
            lib_->gemm_abt(handle_, g.m, n_embd_, ff_, h, ld_ff, w, ld_ff,
                           sorted + g.begin * n_embd_, n_embd_, false, 1.0f, 0.0f);
        }
        free_[j % 2]->record(stream_);
    }
    scatter_rows(sorted, list, n_pairs, n_embd_, b.y, stream_);
}

} // namespace hoard::backend::cuda
