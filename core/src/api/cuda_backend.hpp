#pragma once
// Puts a loaded model on a CUDA GPU for the engine facade: all in VRAM
// (CudaModel, a DeviceKvCache per session), or through the GPU offload engine
// (CudaOffloadModel with its executor; one sequence). Only in builds with
// the CUDA backend (HOARD_HAVE_CUDA).
#include "api/model_handle.hpp"
#include "offload/low_precision_sidecar.hpp"

#include <filesystem>
#include <string>

namespace hoard::api {

#if HOARD_HAVE_CUDA

// Fills the model's backend fields and returns true, or returns false with
// `reason` when there is no usable GPU or the model and a KV cache of n_ctx
// tokens do not fit its memory.
bool start_cuda_model(Model::Impl& impl, size_t n_ctx, std::string& reason);

// The GPU offload engine under options.device_bytes. Returns false with
// `reason` when there is no usable GPU; throws hoard::Error for settings or
// a budget it cannot meet.
bool start_cuda_offload(Model::Impl& impl, const std::filesystem::path& path,
                        const OffloadOptions& options, size_t n_ctx,
                        const offload::BuildProgress& progress, std::string& reason);

#endif

} // namespace hoard::api
