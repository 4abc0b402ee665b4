#pragma once
// A decode step captured as a CUDA graph: the token and position copies in,
// every kernel of the forward pass, the logits copy out. Kernels read the
// position from device memory, so one capture serves every later step of the
// sequence and replaying it costs one launch instead of hundreds.
#include "backend/cuda/device_kv_cache.hpp"

#include <cuda_runtime_api.h>
#include <functional>

namespace hoard::backend::cuda {

struct DeviceKvCache::DecodeGraph {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    ~DecodeGraph();
};

// Records what `issue` queues on `stream` into a graph (nothing runs).
std::unique_ptr<DeviceKvCache::DecodeGraph> capture_graph(cudaStream_t stream,
                                                          const std::function<void()>& issue);

void launch_graph(const DeviceKvCache::DecodeGraph& graph, cudaStream_t stream);

} // namespace hoard::backend::cuda
