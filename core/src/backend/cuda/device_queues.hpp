#pragma once
// The backend's queues: CUDA streams for compute and for copies, events to
// order one after the other, and the pinned staging through which host bytes
// (model weights now, expert loads with the offload engine) reach the device
// on the copy queue while the compute queue runs.
#include "backend/cuda/device_memory.hpp"

#include <cstddef>
#include <cuda_runtime_api.h>
#include <vector>

namespace hoard::backend::cuda {

class Event;

class Stream {
  public:
    Stream();
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    cudaStream_t get() const { return stream_; }
    void synchronize() const;
    // Work queued here after this call waits for `event`.
    void wait(const Event& event) const;

  private:
    cudaStream_t stream_ = nullptr;
};

class Event {
  public:
    explicit Event(bool timing = false);
    ~Event();
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    cudaEvent_t get() const { return event_; }
    void record(const Stream& stream);
    void record(cudaStream_t stream);
    void synchronize() const;
    bool done() const;
    // Milliseconds from `earlier` to this event (both recorded with timing).
    float milliseconds_since(const Event& earlier) const;

  private:
    cudaEvent_t event_ = nullptr;
};

// Host → device copies through a ring of pinned buffers on a copy stream: the
// CPU fills one buffer while the link drains the others. upload() returns once
// the last chunk is queued; `done()` completes when the bytes have arrived.
class StagedUploader {
  public:
    explicit StagedUploader(size_t chunk_bytes = size_t(32) << 20, size_t n_buffers = 3);

    void upload(void* device_dst, const void* host_src, size_t bytes);
    const Stream& stream() const { return stream_; }
    // Recorded after the last queued chunk; other streams may wait on it.
    const Event& done();
    void finish(); // blocks until every queued copy has arrived
    size_t bytes_uploaded() const { return bytes_; }

  private:
    Stream stream_;
    std::vector<PinnedBuffer> buffers_;
    std::vector<Event> buffer_free_;
    std::vector<bool> in_use_;
    size_t next_ = 0;
    size_t bytes_ = 0;
    Event done_;
};

} // namespace hoard::backend::cuda
