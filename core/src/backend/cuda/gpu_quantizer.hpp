#pragma once
// Low-precision expert copies made on the GPU, for the offload engine's
// sidecar: each matrix is dequantized exactly, then re-encoded as q2_K with a
// per-group min/max fit (not the CPU quantizer's least-squares search). One
// CPU thread needs over an hour for the 45 G expert weights of a Mixtral
// 8x7B; the GPU needs seconds, bound by moving the bytes.
#include "offload/expert_layout.hpp"
#include "quant/block_format.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace hoard::backend::cuda {

class DeviceMemory;
class DeviceBuffer;

class GpuExpertQuantizer {
  public:
    GpuExpertQuantizer();
    ~GpuExpertQuantizer();
    GpuExpertQuantizer(const GpuExpertQuantizer&) = delete;
    GpuExpertQuantizer& operator=(const GpuExpertQuantizer&) = delete;

    static bool supports(quant::BlockFormat low);
    // offload::ExpertQuantizer's contract (as offload::quantize_expert):
    // the three matrices one after another in `out`, source offsets from 0.
    // Throws hoard::Error for a format it does not make or a matrix outside
    // the file.
    offload::ExpertLayout quantize(const offload::ExpertLayout& high,
                                   std::span<const uint8_t> model_bytes, quant::BlockFormat format,
                                   std::vector<uint8_t>& out);

  private:
    struct Buffers;
    std::unique_ptr<Buffers> buffers_;
};

} // namespace hoard::backend::cuda
