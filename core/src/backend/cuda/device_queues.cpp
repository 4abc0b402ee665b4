#include "backend/cuda/device_queues.hpp"

#include "backend/cuda/cuda_check.hpp"

#include <algorithm>
#include <cstring>

namespace hoard::backend::cuda {

Stream::Stream() {
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
               "creating a CUDA stream");
}

Stream::~Stream() {
    if (stream_) cudaStreamDestroy(stream_);
}

void Stream::synchronize() const {
    check_cuda(cudaStreamSynchronize(stream_), "waiting for the GPU");
}

void Stream::wait(const Event& event) const {
    check_cuda(cudaStreamWaitEvent(stream_, event.get(), 0), "ordering GPU queues");
}

Event::Event(bool timing) {
    check_cuda(
        cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming),
        "creating a CUDA event");
}

Event::~Event() {
    if (event_) cudaEventDestroy(event_);
}

void Event::record(const Stream& stream) {
    record(stream.get());
}

void Event::record(cudaStream_t stream) {
    check_cuda(cudaEventRecord(event_, stream), "recording a CUDA event");
}

void Event::synchronize() const {
    check_cuda(cudaEventSynchronize(event_), "waiting for a CUDA event");
}

bool Event::done() const {
    const cudaError_t status = cudaEventQuery(event_);
    if (status == cudaErrorNotReady) return false;
    check_cuda(status, "querying a CUDA event");
    return true;
}

float Event::milliseconds_since(const Event& earlier) const {
    float ms = 0.0f;
    check_cuda(cudaEventElapsedTime(&ms, earlier.event_, event_), "timing GPU work");
    return ms;
}

StagedUploader::StagedUploader(size_t chunk_bytes, size_t n_buffers)
    : buffer_free_(std::max<size_t>(n_buffers, 1)), in_use_(std::max<size_t>(n_buffers, 1)) {
    for (size_t i = 0; i < buffer_free_.size(); ++i) buffers_.emplace_back(chunk_bytes);
}

void StagedUploader::upload(void* device_dst, const void* host_src, size_t bytes) {
    auto* dst = static_cast<uint8_t*>(device_dst);
    const auto* src = static_cast<const uint8_t*>(host_src);
    const size_t chunk = buffers_.front().bytes();
    for (size_t at = 0; at < bytes; at += chunk) {
        const size_t n = std::min(chunk, bytes - at);
        const size_t i = next_;
        next_ = (next_ + 1) % buffers_.size();
        if (in_use_[i]) buffer_free_[i].synchronize(); // its previous copy has left
        std::memcpy(buffers_[i].data(), src + at, n);
        check_cuda(
            cudaMemcpyAsync(dst + at, buffers_[i].data(), n, cudaMemcpyHostToDevice, stream_.get()),
            "copying to the GPU");
        buffer_free_[i].record(stream_);
        in_use_[i] = true;
    }
    bytes_ += bytes;
}

const Event& StagedUploader::done() {
    done_.record(stream_);
    return done_;
}

void StagedUploader::finish() {
    stream_.synchronize();
}

} // namespace hoard::backend::cuda
