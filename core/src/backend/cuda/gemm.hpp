#pragma once
// Matrix products for batches of tokens (prefill): weights in any block format
// are decoded tile by tile into float16 in shared memory and multiplied with
// float16 activations on the tensor cores, accumulating in float32.
//
// Grouped form, for the experts of a MoE layer: the rows of expert e are the
// pairs list[offsets[e] .. offsets[e + 1]) (device memory); each pair reads
// activation row list[i] / a_row_divisor and writes output row list[i]. The
// launch covers every expert; tiles past an expert's count return at once, so
// the host never waits for the routing.
#include "backend/cuda/device_matrix.hpp"

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

enum class GemmOutput {
    Store,       // float out[row][n] = a_row · w_n
    Add,         // float out[row][n] += a_row · w_n
    SiluMulHalf, // half out[row][n] = silu(a_row · w_n) * (a_row · w2_n)
};

struct GemmProblem {
    DeviceMatrix w;  // n_rows outputs per activation row; a stack when grouped
    DeviceMatrix w2; // SiluMulHalf: the up matrices, shaped like w
    const __half* a = nullptr;
    size_t a_stride = 0; // halves between activation rows; a multiple of 8
    size_t m = 0;        // activation rows (ungrouped), or an upper bound of any group's size
    // Grouped: w.count groups (experts).
    const uint32_t* offsets = nullptr; // w.count + 1 values
    const uint32_t* list = nullptr;
    uint32_t a_row_divisor = 1;
    // Grouped: group g multiplies matrix group_ids[g] of the stack (device
    // memory, w.count values; null: matrix g). The offload engine's expert
    // slots are such a stack.
    const int32_t* group_ids = nullptr;
    void* out = nullptr;
    size_t out_stride = 0; // elements between output rows
    GemmOutput output = GemmOutput::Store;
    // SiluMulHalf: round each 32 outputs of a row to their int8 grid (see
    // RowNormJob::f16_int8_grid), for a quantized matrix that reads them next.
    bool half_int8_grid = false;
};

// Launches on `stream`; throws hoard::Error for shapes the kernel cannot run.
void gemm(const GemmProblem& problem, cudaStream_t stream);

} // namespace hoard::backend::cuda
