#include "backend/cuda/decode_graph.hpp"

#include "backend/cuda/cuda_check.hpp"

namespace hoard::backend::cuda {

DeviceKvCache::DecodeGraph::~DecodeGraph() {
    if (exec) cudaGraphExecDestroy(exec);
    if (graph) cudaGraphDestroy(graph);
}

std::unique_ptr<DeviceKvCache::DecodeGraph> capture_graph(cudaStream_t stream,
                                                          const std::function<void()>& issue) {
    auto g = std::make_unique<DeviceKvCache::DecodeGraph>();
    check_cuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
               "starting to capture the decode step");
    try {
        issue();
    } catch (...) {
        cudaGraph_t broken = nullptr;
        cudaStreamEndCapture(stream, &broken);
        if (broken) cudaGraphDestroy(broken);
        cudaGetLastError();
        throw;
    }
    check_cuda(cudaStreamEndCapture(stream, &g->graph), "capturing the decode step");
    check_cuda(cudaGraphInstantiate(&g->exec, g->graph, 0), "preparing the decode step");
    return g;
}

void launch_graph(const DeviceKvCache::DecodeGraph& graph, cudaStream_t stream) {
    check_cuda(cudaGraphLaunch(graph.exec, stream), "running the decode step");
}

} // namespace hoard::backend::cuda
