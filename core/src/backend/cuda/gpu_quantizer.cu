#include "backend/cuda/gpu_quantizer.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "backend/cuda/device_matrix.hpp"
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"
#include "backend/cuda/row_ops.hpp"
#include "hoard/error.hpp"
#include "quant/kernels.hpp"

#include <cuda_fp16.h>

namespace hoard::backend::cuda {
namespace {

constexpr int kQ2Bytes = 84; // 16 scale bytes, 64 code bytes, d, dmin

// 16 threads per 256-value block, one per group of 16 values: min/max fit of
// value = d·sc·q − dmin·m (q in 0..3), scales and mins on 4 bits of the
// block's f16 d and dmin.
__global__ void __launch_bounds__(256)
    quantize_q2k_kernel(const float* x, size_t n_blocks, uint8_t* out) {
    __shared__ uint8_t codes[16][256];
    const int local = threadIdx.x / 16, g = threadIdx.x % 16;
    const size_t blk = size_t(blockIdx.x) * 16 + local;
    const bool valid = blk < n_blocks;
    float v[16];
    float lo = 0.0f, hi = -INFINITY;
#pragma unroll
    for (int i = 0; i < 16; ++i) {
        v[i] = valid ? x[blk * 256 + 16 * g + i] : 0.0f;
        lo = fminf(lo, v[i]);
        hi = fmaxf(hi, v[i]);
    }
    const float s = fmaxf(hi - lo, 0.0f) / 3.0f, m = -lo;
    float s_max = s, m_max = m;
#pragma unroll
    for (int o = 8; o > 0; o >>= 1) {
        s_max = fmaxf(s_max, __shfl_xor_sync(0xffffffffu, s_max, o, 16));
        m_max = fmaxf(m_max, __shfl_xor_sync(0xffffffffu, m_max, o, 16));
    }
    const __half dh = __float2half_rn(s_max / 15.0f), mh = __float2half_rn(m_max / 15.0f);
    const float d = __half2float(dh), dmin = __half2float(mh);
    const int sc = d > 0.0f ? min(15, max(0, __float2int_rn(s / d))) : 0;
    const int mq = dmin > 0.0f ? min(15, max(0, __float2int_rn(m / dmin))) : 0;
    const float step = __fmul_rn(d, float(sc)), offset = __fmul_rn(dmin, float(mq));
#pragma unroll
    for (int i = 0; i < 16; ++i) {
        const int q = step > 0.0f ? min(3, max(0, __float2int_rn((v[i] + offset) / step))) : 0;
        codes[local][16 * g + i] = uint8_t(q);
    }
    __syncthreads();
    if (!valid) return;
    uint8_t* b = out + blk * kQ2Bytes;
    b[g] = uint8_t(sc | (mq << 4));
    // Code byte 32h + l holds values 128h + 32j + l at bits 2j.
#pragma unroll
    for (int t = 0; t < 4; ++t) {
        const int byte = 4 * g + t, h = byte / 32, l = byte % 32;
        uint8_t packed = 0;
#pragma unroll
        for (int j = 0; j < 4; ++j)
            packed |= uint8_t(codes[local][128 * h + 32 * j + l] << (2 * j));
        b[16 + byte] = packed;
    }
    if (g == 0) {
        *reinterpret_cast<uint16_t*>(b + 80) = __half_as_ushort(dh);
        *reinterpret_cast<uint16_t*>(b + 82) = __half_as_ushort(mh);
    }
}

} // namespace

struct GpuExpertQuantizer::Buffers {
    DeviceMemory memory{size_t(1) << 40}; // temporary: bounded by the largest matrix
    DeviceBuffer src, values, dst;
    Stream stream;
};

GpuExpertQuantizer::GpuExpertQuantizer() : buffers_(std::make_unique<Buffers>()) {}
GpuExpertQuantizer::~GpuExpertQuantizer() = default;

bool GpuExpertQuantizer::supports(quant::BlockFormat low) {
    return low == quant::BlockFormat::Q2_K;
}

offload::ExpertLayout GpuExpertQuantizer::quantize(const offload::ExpertLayout& high,
                                                   std::span<const uint8_t> model_bytes,
                                                   quant::BlockFormat format,
                                                   std::vector<uint8_t>& out) {
    if (!supports(format))
        throw Error("the GPU quantizer makes q2_K copies only, not " +
                    std::string(quant::format_name(format)));
    offload::ExpertLayout low;
    uint64_t at = 0, blob = 0;
    for (size_t i = 0; i < 3; ++i) {
        const offload::MatrixLayout& h = high.matrices[i];
        offload::MatrixLayout& m = low.matrices[i];
        if (h.row_length % 256) throw Error("q2_K needs rows of a multiple of 256 values");
        m.format = format;
        m.n_rows = h.n_rows;
        m.row_length = h.row_length;
        m.row_stride = quant::row_bytes(format, h.row_length);
        m.source_offset = at;
        m.blob_offset = blob;
        at += m.bytes();
        blob = round_up(blob + m.bytes(), 64);
    }
    low.blob_bytes = blob;
    out.assign(at, 0);
    Buffers& b = *buffers_;
    const cudaStream_t s = b.stream.get();
    for (size_t i = 0; i < 3; ++i) {
        const offload::MatrixLayout& h = high.matrices[i];
        const offload::MatrixLayout& m = low.matrices[i];
        if (h.source_offset + h.bytes() > model_bytes.size())
            throw Error("an expert matrix lies outside the model file");
        const size_t n_values = size_t(h.n_rows) * h.row_length;
        auto ensure = [&](DeviceBuffer& buf, size_t bytes, const char* what) {
            if (buf.bytes() < bytes) {
                buf.reset();
                buf = b.memory.allocate(bytes, what);
            }
        };
        ensure(b.src, h.bytes() + kReadSlack, "quantizer input");
        ensure(b.values, n_values * sizeof(float), "quantizer values");
        ensure(b.dst, m.bytes(), "quantizer output");
        check_cuda(cudaMemcpyAsync(b.src.data(), model_bytes.data() + h.source_offset, h.bytes(),
                                   cudaMemcpyHostToDevice, s),
                   "copying an expert to the GPU quantizer");
        DeviceMatrix src;
        src.format = h.format;
        src.data = b.src.as<uint8_t>();
        src.n_rows = h.n_rows;
        src.row_length = h.row_length;
        src.row_stride = h.row_stride;
        src.matrix_stride = h.bytes();
        dequantize_rows(src, 0, h.n_rows, b.values.as<float>(), s);
        const size_t n_blocks = n_values / 256;
        quantize_q2k_kernel<<<unsigned((n_blocks + 15) / 16), 256, 0, s>>>(
            b.values.as<float>(), n_blocks, b.dst.as<uint8_t>());
        check_launch("quantize_q2k");
        check_cuda(cudaMemcpyAsync(out.data() + m.source_offset, b.dst.data(), m.bytes(),
                                   cudaMemcpyDeviceToHost, s),
                   "copying a low-precision expert back");
    }
    check_cuda(cudaStreamSynchronize(s), "quantizing an expert on the GPU");
    return low;
}

} // namespace hoard::backend::cuda
