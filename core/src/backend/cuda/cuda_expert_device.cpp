#include "backend/cuda/cuda_expert_device.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/gemm.hpp"
#include "backend/cuda/matvec.hpp"
#include "backend/cuda/mmq.hpp"
#include "backend/cuda/row_ops.hpp"
#include "hoard/error.hpp"
#include "offload/expert_split.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

namespace hoard::backend::cuda {
namespace {

constexpr size_t kAlign = 256;

// A matrix in device memory described by a view (its data a device address).
DeviceMatrix device_matrix(const backend::cpu::MatrixView& m) {
    DeviceMatrix d;
    d.format = m.format;
    d.data = m.data;
    d.n_rows = m.n_rows;
    d.row_length = m.row_length;
    d.row_stride = m.row_stride;
    d.matrix_stride = m.n_rows * m.row_stride;
    return d;
}

// The matrix `m` of the copy in the slot at `slot_base`, as a stack over all
// the arena's slots (matrix i in slot i).
DeviceMatrix slot_stack(const ExpertSlots& arena, const backend::cpu::MatrixView& m,
                        const uint8_t* slot_base, size_t count) {
    DeviceMatrix d = device_matrix(m);
    d.data = arena.base() + (m.data - slot_base);
    d.matrix_stride = arena.slot_bytes();
    d.count = count;
    return d;
}

const void* activations(const DeviceMatrix& m, const uint8_t* int8, const float* f32) {
    return takes_int8_activations(m.format) ? static_cast<const void*>(int8) : f32;
}

} // namespace

offload::HostAllocator pinned_host_allocator() {
    offload::HostAllocator a;
    a.allocate = [](uint64_t bytes) {
        void* p = nullptr;
        const cudaError_t status = cudaHostAlloc(&p, bytes, cudaHostAllocPortable);
        if (status != cudaSuccess) {
            cudaGetLastError();
            throw Error("cannot lock " + gib_text(bytes) +
                        " of host memory for expert copies: " + cudaGetErrorString(status));
        }
        return static_cast<uint8_t*>(p);
    };
    a.release = [](uint8_t* p, uint64_t) { cudaFreeHost(p); };
    return a;
}

size_t CudaExpertDevice::arena_bytes(size_t slot_bytes, size_t n_slots) {
    if (n_slots == 0) return 0;
    return DeviceMemory::counted_size(round_up(slot_bytes, 256) * n_slots + kReadSlack);
}

size_t CudaExpertDevice::workspace_bytes(const ExpertDeviceOptions& o) {
    const size_t pairs = o.max_tokens * std::max<size_t>(o.n_expert_used, 1);
    const size_t bytes = pairs * (o.n_embd + 4) * sizeof(float) + size_t(64) * 1024 +
                         (o.n_expert + 2) * size_t(4096);
    return round_up(bytes, kAlign);
}

CudaExpertDevice::CudaExpertDevice(std::shared_ptr<DeviceMemory> memory,
                                   const ExpertDeviceOptions& options, Clock::time_point epoch)
    : memory_(std::move(memory)), options_(options), link_(epoch, options.link_bytes_per_second) {
    for (const offload::SlotClass& c : options.high_classes)
        if (c.n_slots > 0)
            high_.push_back(
                std::make_unique<ExpertSlots>(*memory_, c.slot_bytes, c.n_slots, "expert cache"));
    if (high_.empty()) throw Error("the GPU memory budget leaves no room for a single expert copy");
    if (options.n_low_slots > 0)
        low_ = std::make_unique<ExpertSlots>(*memory_, options.low_slot_bytes, options.n_low_slots,
                                             "low-precision expert cache");
    for (const auto& h : high_) arenas_.push_back(h.get());
    if (low_) arenas_.push_back(low_.get());
    if (options.split_bytes > 0)
        split_area_ = memory_->allocate(options.split_bytes, "split expert parts");
    const size_t ws = workspace_bytes(options);
    work_ = memory_->allocate(ws, "offload working memory");
    staging_ = PinnedBuffer(ws);
}

CudaExpertDevice::~CudaExpertDevice() {
    // Kernels in flight read the slots and the staging: let them finish first.
    if (stream_) cudaStreamSynchronize(stream_);
}

void CudaExpertDevice::bind(const PassBuffers* buffers, cudaStream_t stream) {
    buffers_ = buffers;
    stream_ = stream;
}

void CudaExpertDevice::begin_layer() {
    staged_ = 0; // the last layer's uploads ran before its routing reached the host
    split_used_ = 0;
}

size_t CudaExpertDevice::n_high_slots() const {
    size_t n = 0;
    for (const auto& h : high_) n += h->size();
    return n;
}

std::string CudaExpertDevice::description() const {
    std::string d = "CUDA GPU " + options_.device_name + " (" + gib_text(memory_->budget()) +
                    " budget, expert slots:";
    for (const auto& h : high_)
        d += " " + std::to_string(h->size()) + " of " + std::to_string(h->slot_bytes() >> 20) +
             " MiB";
    if (low_)
        d += " + " + std::to_string(n_low_slots()) + " low of " +
             std::to_string(low_->slot_bytes() >> 20) + " MiB";
    return d + ")";
}

uint64_t CudaExpertDevice::copy_footprint(uint64_t bytes, telemetry::Precision p) const {
    if (low_ && p == telemetry::Precision::Low) return low_->slot_bytes();
    for (const auto& h : high_) // smallest class first
        if (h->slot_bytes() >= bytes) return h->slot_bytes();
    return bytes; // fits no slot: the cache never finds room for it
}

offload::DeviceBuffer CudaExpertDevice::take_slot(size_t index, uint64_t bytes) {
    ExpertSlots& arena = *arenas_[index];
    const auto s = arena.take();
    if (!s)
        throw Error(
            "internal error: no free GPU expert slot although the expert cache counted one");
    offload::DeviceBuffer b;
    b.bytes = bytes;
    b.owner = offload::MemoryTier::Device;
    b.id = (uint64_t(index + 1) << 32) | *s;
    b.data = arena.data(*s);
    return b;
}

offload::DeviceBuffer CudaExpertDevice::allocate_copy(uint64_t bytes, telemetry::Precision p) {
    // The footprint names the arena exactly as the expert cache counted it.
    if (low_ && p == telemetry::Precision::Low) return take_slot(arenas_.size() - 1, bytes);
    for (size_t i = 0; i < high_.size(); ++i) // arenas_ begins with the high classes
        if (high_[i]->slot_bytes() >= bytes) return take_slot(i, bytes);
    throw Error("internal error: an expert copy larger than every GPU slot");
}

offload::DeviceBuffer CudaExpertDevice::allocate(uint64_t bytes, bool backed) {
    offload::DeviceBuffer b;
    b.bytes = bytes;
    b.owner = offload::MemoryTier::Device;
    if (!backed) {
        // What every token needs is already allocated for real (weights, KV
        // cache, working buffers): nothing more to count.
        b.id = next_unbacked_++ << 40;
        return b;
    }
    return allocate_copy(bytes, telemetry::Precision::High);
}

CudaExpertDevice::Located CudaExpertDevice::locate(uint64_t id) {
    Located l;
    const uint64_t arena = id >> 32;
    if (arena >= 1 && arena <= arenas_.size()) l.arena = arenas_[arena - 1];
    l.slot = uint32_t(id & 0xffffffffu);
    if (!l.arena || l.slot >= l.arena->size()) throw Error("internal error: not a GPU expert slot");
    return l;
}

void CudaExpertDevice::release(offload::DeviceBuffer& buffer) {
    if (buffer.valid() && buffer.data) {
        const Located l = locate(buffer.id);
        l.arena->give_back(l.slot);
    }
    buffer = {};
}

offload::CopyTicket CudaExpertDevice::copy_to_device(const offload::DeviceBuffer& dst,
                                                     const uint8_t* src, uint64_t bytes,
                                                     offload::CopyPriority priority) {
    const Located l = locate(dst.id);
    if (bytes > l.arena->slot_bytes()) throw Error("internal error: a copy larger than its slot");
    return link_.submit(dst.data, src, bytes, priority == offload::CopyPriority::Demand,
                        l.arena->last_use(l.slot).get());
}

void CudaExpertDevice::compute_expert(const model::ExpertMatrices&, const float*, size_t, size_t,
                                      size_t, float*, backend::cpu::ThreadPool&) {
    throw Error("internal error: the CUDA device computes experts through its layer path");
}

template <class T> T* CudaExpertDevice::stage(size_t count, T*& device) {
    const size_t at = staged_;
    const size_t bytes = round_up(count * sizeof(T), kAlign);
    if (at + bytes > staging_.bytes())
        throw Error("internal error: the offload step's staging is too small");
    staged_ += bytes;
    device = reinterpret_cast<T*>(work_.as<uint8_t>() + at);
    return reinterpret_cast<T*>(staging_.as<uint8_t>() + at);
}

void CudaExpertDevice::upload_staged(size_t from) {
    if (staged_ == from) return;
    check_cuda(cudaMemcpyAsync(work_.as<uint8_t>() + from, staging_.as<uint8_t>() + from,
                               staged_ - from, cudaMemcpyHostToDevice, stream_),
               "copying the expert step's lists to the GPU");
}

void CudaExpertDevice::run_experts(const model::MoeLayerWork& work,
                                   std::span<const offload::DeviceExpertRun> runs) {
    if (!buffers_ || !stream_) throw Error("internal error: the offload device is not bound");
    // The copies first: the compute stream waits for them on the device.
    for (const offload::DeviceExpertRun& r : runs)
        if (r.copy) link_.order_before(r.copy, stream_);
    // Experts of one precision and layout go in one launch (the slots form a
    // stack indexed by slot number).
    using Key = std::tuple<ExpertSlots*, int, int, int, ptrdiff_t, ptrdiff_t, ptrdiff_t>;
    std::map<Key, std::vector<const offload::DeviceExpertRun*>> groups;
    for (const offload::DeviceExpertRun& r : runs) {
        const Located l = locate(r.buffer);
        const uint8_t* base = l.arena->data(l.slot);
        const Key key{l.arena,
                      int(r.weights.gate.format),
                      int(r.weights.up.format),
                      int(r.weights.down.format),
                      r.weights.gate.data - base,
                      r.weights.up.data - base,
                      r.weights.down.data - base};
        groups[key].push_back(&r);
    }
    for (const auto& [key, members] : groups) launch_group(work, members, *std::get<0>(key));
}

void CudaExpertDevice::launch_group(const model::MoeLayerWork& work,
                                    std::span<const offload::DeviceExpertRun* const> runs,
                                    ExpertSlots& arena) {
    const PassBuffers& b = *buffers_;
    const model::ExpertMatrices& first = runs[0]->weights;
    const uint8_t* base = arena.data(locate(runs[0]->buffer).slot);
    const size_t n_slots = arena.size();
    const DeviceMatrix gate = slot_stack(arena, first.gate, base, n_slots);
    const DeviceMatrix up = slot_stack(arena, first.up, base, n_slots);
    const DeviceMatrix down = slot_stack(arena, first.down, base, n_slots);
    const size_t n_ff = gate.n_rows, n_embd = work.n_embd;
    if (n_ff > b.ff || down.n_rows != n_embd)
        throw Error("internal error: expert shapes do not match the pass's buffers");
    const size_t from = staged_;

    if (work.n_tokens == 1) {
        // Decode: one problem per expert, each in the row of its slot of the token.
        const size_t n = runs.size();
        int32_t *d_ids = nullptr, *d_rows = nullptr;
        int32_t* ids = stage<int32_t>(n, d_ids);
        int32_t* rows = stage<int32_t>(n, d_rows);
        for (size_t i = 0; i < n; ++i) {
            ids[i] = int32_t(locate(runs[i]->buffer).slot);
            rows[i] = int32_t(work.routed[runs[i]->begin]);
        }
        upload_staged(from);
        MatvecProblems gu;
        gu.w = gate;
        gu.w2 = up;
        gu.ids = d_ids;
        gu.rows = d_rows;
        gu.x = activations(gate, b.xq, b.xn);
        gu.out = b.h32;
        gu.out_stride = b.ff;
        gu.n_problems = n;
        gu.output = MatvecOutput::SiluMul;
        matvec(gu, stream_);
        const bool int8 = takes_int8_activations(down.format);
        if (int8) {
            RowNormJob h;
            h.x = b.h32;
            h.n_rows = b.expert_slots;
            h.n = n_ff;
            h.norm = false;
            h.out_int8 = b.hq;
            normalize_rows(h, stream_);
        }
        MatvecProblems d;
        d.w = down;
        d.ids = d_ids;
        d.rows = d_rows;
        d.x = activations(down, b.hq, b.h32);
        d.x_stride = int8 ? int8_row_bytes(n_ff) : b.ff * sizeof(float);
        d.out = b.y;
        d.out_stride = n_embd;
        d.n_problems = n;
        matvec(d, stream_);
    } else {
        // Prefill: a grouped product, one group per expert.
        const size_t g = runs.size();
        size_t pairs = 0, largest = 0;
        for (const offload::DeviceExpertRun* r : runs) {
            pairs += r->m;
            largest = std::max<size_t>(largest, r->m);
        }
        uint32_t *d_offsets = nullptr, *d_list = nullptr;
        int32_t* d_ids = nullptr;
        uint32_t* offsets = stage<uint32_t>(g + 1, d_offsets);
        uint32_t* list = stage<uint32_t>(pairs, d_list);
        int32_t* ids = stage<int32_t>(g, d_ids);
        uint32_t at = 0;
        for (size_t i = 0; i < g; ++i) {
            offsets[i] = at;
            ids[i] = int32_t(locate(runs[i]->buffer).slot);
            for (uint32_t j = 0; j < runs[i]->m; ++j) list[at++] = work.routed[runs[i]->begin + j];
        }
        offsets[g] = at;
        upload_staged(from);
        const bool int8 = int8_batches() && mmq_supports(gate.format) &&
                          mmq_supports(down.format) && n_ff % 32 == 0 && n_embd % 32 == 0;
        if (cublas_ && work.n_tokens >= cublas_->min_tokens()) {
            cublas_groups_.clear();
            for (size_t i = 0; i < g; ++i) {
                const uint32_t slot = uint32_t(ids[i]);
                cublas_groups_.push_back(
                    {gate.at(slot), up.at(slot), down.at(slot), offsets[i], runs[i]->m});
            }
            cublas_->experts(cublas_groups_, d_list, pairs, b, work.n_expert_used,
                             takes_int8_activations(down.format));
        } else if (int8) {
            uint8_t* h8 = reinterpret_cast<uint8_t*>(b.h16); // int8 rows take less room
            MmqProblem gu;
            gu.w = gate;
            gu.w.count = g;
            gu.w2 = up;
            gu.w2.count = g;
            gu.a = b.xq;
            gu.a_stride = int8_row_bytes(n_embd);
            gu.m = largest;
            gu.offsets = d_offsets;
            gu.list = d_list;
            gu.group_ids = d_ids;
            gu.a_row_divisor = uint32_t(work.n_expert_used);
            gu.out = h8;
            gu.out_stride = int8_row_bytes(n_ff);
            gu.output = MmqOutput::SiluMulInt8;
            mmq(gu, stream_);
            MmqProblem d;
            d.w = down;
            d.w.count = g;
            d.a = h8;
            d.a_stride = int8_row_bytes(n_ff);
            d.m = largest;
            d.offsets = d_offsets;
            d.list = d_list;
            d.group_ids = d_ids;
            d.out = b.y;
            d.out_stride = n_embd;
            mmq(d, stream_);
        } else {
            GemmProblem gu;
            gu.w = gate;
            gu.w.count = g;
            gu.w2 = up;
            gu.w2.count = g;
            gu.a = b.xh;
            gu.a_stride = b.embd_pad;
            gu.m = largest;
            gu.offsets = d_offsets;
            gu.list = d_list;
            gu.group_ids = d_ids;
            gu.a_row_divisor = uint32_t(work.n_expert_used);
            gu.out = b.h16;
            gu.out_stride = b.ff_pad;
            gu.output = GemmOutput::SiluMulHalf;
            gu.half_int8_grid = takes_int8_activations(down.format);
            gemm(gu, stream_);
            GemmProblem d;
            d.w = down;
            d.w.count = g;
            d.a = b.h16;
            d.a_stride = b.ff_pad;
            d.m = largest;
            d.offsets = d_offsets;
            d.list = d_list;
            d.group_ids = d_ids;
            d.out = b.y;
            d.out_stride = n_embd;
            gemm(d, stream_);
        }
    }
    // The slots may take new copies once these kernels have read them.
    for (const offload::DeviceExpertRun* r : runs) {
        const Located l = locate(r->buffer);
        l.arena->last_use(l.slot).record(stream_);
    }
}

offload::CopyTicket CudaExpertDevice::split_expert(const model::MoeLayerWork& work,
                                                   const model::ExpertMatrices& host,
                                                   uint32_t first_row, uint32_t index) {
    if (!split_area_.data() || work.n_tokens != 1 || !buffers_ || !stream_) return 0;
    const offload::DevicePart part = offload::device_part(host, first_row);
    if (split_used_ + part.packed_bytes > split_area_.bytes()) return 0;
    uint8_t* base = split_area_.as<uint8_t>() + split_used_;
    split_used_ += part.packed_bytes;
    LinkCopies::RowCopy copies[3];
    for (int i = 0; i < 3; ++i) {
        const offload::PartCopy& c = part.copies[i];
        copies[i] = {base + c.dst_offset, c.dst_pitch, c.src, c.src_pitch, c.width, c.rows};
    }
    // The area's last readers (an earlier layer's kernels) are done before
    // this layer's routing reached the host; the event says so to the link.
    const offload::CopyTicket t = link_.submit_rows(copies, split_last_use_.get());
    link_.order_before(t, stream_);

    const model::ExpertMatrices v = part.views(base);
    const PassBuffers& b = *buffers_;
    const DeviceMatrix gate = device_matrix(v.gate), up = device_matrix(v.up),
                       down = device_matrix(v.down);
    const size_t pair = work.routed[index], n = gate.n_rows;
    float* h = b.h32 + pair * b.ff;
    MatvecProblems gu;
    gu.w = gate;
    gu.w2 = up;
    gu.x = activations(gate, b.xq, b.xn);
    gu.out = h;
    gu.out_stride = b.ff;
    gu.output = MatvecOutput::SiluMul;
    matvec(gu, stream_);
    const bool int8 = takes_int8_activations(down.format);
    uint8_t* hq = b.hq + pair * int8_row_bytes(b.ff);
    if (int8) {
        RowNormJob q;
        q.x = h;
        q.n_rows = 1;
        q.n = n;
        q.norm = false;
        q.out_int8 = hq;
        normalize_rows(q, stream_);
    }
    MatvecProblems d;
    d.w = down;
    d.x = int8 ? static_cast<const void*>(hq) : h;
    d.out = b.y + pair * work.n_embd;
    d.out_stride = work.n_embd;
    matvec(d, stream_);
    split_last_use_.record(stream_);
    return t;
}

void CudaExpertDevice::finish_layer(const model::MoeLayerWork& work, const float* outputs,
                                    std::span<const std::pair<uint32_t, uint32_t>> cpu,
                                    std::span<const std::pair<uint32_t, uint32_t>> added,
                                    std::span<const std::pair<uint32_t, uint32_t>> skipped) {
    const size_t n = work.n_embd;
    // Rows put where the device's own would be (CPU experts; zeros for the
    // skipped, which add nothing), or added to the device's (split experts).
    struct Rows {
        std::span<const std::pair<uint32_t, uint32_t>> ranges;
        bool zeros;
    };
    auto upload = [&](std::initializer_list<Rows> groups, bool add) {
        size_t rows = 0;
        for (const Rows& g : groups)
            for (const auto& [begin, m] : g.ranges) rows += m;
        if (rows == 0) return;
        const size_t from = staged_;
        float* d_rows = nullptr;
        uint32_t* d_list = nullptr;
        float* host = stage<float>(rows * n, d_rows);
        uint32_t* list = stage<uint32_t>(rows, d_list);
        size_t at = 0;
        for (const Rows& g : groups)
            for (const auto& [begin, m] : g.ranges)
                for (uint32_t i = begin; i < begin + m; ++i, ++at) {
                    if (g.zeros)
                        std::fill_n(host + at * n, n, 0.0f);
                    else
                        std::memcpy(host + at * n, outputs + size_t(i) * n, n * sizeof(float));
                    list[at] = work.routed[i];
                }
        upload_staged(from);
        scatter_rows(d_rows, d_list, rows, n, buffers_->y, stream_, add);
    };
    upload({{cpu, false}, {skipped, true}}, false);
    upload({{added, false}}, true);
}

} // namespace hoard::backend::cuda
