#pragma once
// Matrix products for batches of tokens with int8 activations, for quantized
// weights: the decode path's arithmetic (int8 codes of each 32 activation
// values dotted with the weights' integer codes by dp4a, then scaled) over a
// tile of 32 tokens, so a prefill computes what token-by-token decoding, the
// CPU engine and the reference compute. (Float16 activations through the
// tensor cores differ by a few units in 10^4 before each int8 rounding, and
// the roundings amplify that to about 1 % of the logits: enough to flip a
// quantized model's greedy decoding.)
//
// Grouped form as gemm.hpp: expert g's rows are list[offsets[g] …
// offsets[g + 1]), each reading activation row list[i] / a_row_divisor and
// writing output row list[i]; matrix group_ids[g] of the stack.
#include "backend/cuda/device_matrix.hpp"

#include <cuda_runtime_api.h>

namespace hoard::backend::cuda {

enum class MmqOutput {
    Store,       // float out[row][n] = a_row · w_n
    Add,         // float out[row][n] += a_row · w_n
    SiluMulInt8, // out row = int8 encoding of silu(a_row · w_n) · (a_row · w2_n), n_rows values
};

struct MmqProblem {
    DeviceMatrix w;             // quantized; a stack when grouped (count: the number of groups)
    DeviceMatrix w2;            // SiluMulInt8: the up matrices, shaped like w
    const uint8_t* a = nullptr; // int8 rows of w.row_length values (see device_matrix.hpp)
    size_t a_stride = 0;        // bytes between activation rows (a multiple of 16)
    size_t m = 0; // activation rows (ungrouped), or an upper bound of any group's size
    const uint32_t* offsets = nullptr; // grouped: w.count + 1 values
    const uint32_t* list = nullptr;
    uint32_t a_row_divisor = 1;
    const int32_t* group_ids = nullptr; // null: matrix g
    void* out = nullptr;
    size_t out_stride = 0; // floats between output rows; bytes for SiluMulInt8
    MmqOutput output = MmqOutput::Store;
};

// Whether mmq computes with weights of this format (every quantized one).
bool mmq_supports(quant::BlockFormat format);

// Whether batches of tokens take mmq for quantized weights (the default), or
// the float16 tensor-core products of gemm.hpp (HOARD_CUDA_F16_PREFILL=1, for
// comparisons).
bool int8_batches();

// Launches on `stream`; throws hoard::Error for shapes it cannot run.
void mmq(const MmqProblem& problem, cudaStream_t stream);

} // namespace hoard::backend::cuda
