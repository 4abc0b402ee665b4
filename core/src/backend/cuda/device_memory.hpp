#pragma once
// Device memory under a budget. Every allocation of the CUDA backend goes
// through one DeviceMemory, which refuses (hoard::Error) any allocation that
// would take its total past the budget, so the engine never uses more VRAM
// than the user allowed. Sizes are counted as the driver hands them out
// (rounded up to 2 MiB pages), so the count is an upper bound of real use.
#include <cstddef>
#include <mutex>
#include <string>

namespace hoard::backend::cuda {

class DeviceMemory;

// An owned device allocation; move-only, freed (and returned to the budget)
// on destruction.
class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return data_; }
    template <class T> T* as() const { return static_cast<T*>(data_); }
    size_t bytes() const { return bytes_; }
    bool empty() const { return data_ == nullptr; }
    void reset();

  private:
    friend class DeviceMemory;
    void* data_ = nullptr;
    size_t bytes_ = 0;   // asked for
    size_t counted_ = 0; // counted against the budget
    DeviceMemory* owner_ = nullptr;
};

class DeviceMemory {
  public:
    explicit DeviceMemory(size_t budget_bytes) : budget_(budget_bytes) {}
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;

    // `what` names the allocation in the error message ("KV cache", ...).
    DeviceBuffer allocate(size_t bytes, const std::string& what);
    // Counts `bytes` that a library allocates itself (cuBLAS's handle and
    // kernels) against the budget, allocating nothing; data() stays null.
    DeviceBuffer reserve(size_t bytes, const std::string& what);

    size_t budget() const { return budget_; }
    size_t used() const;
    size_t peak() const;
    // How many bytes an allocation of `bytes` counts for.
    static size_t counted_size(size_t bytes);

  private:
    friend class DeviceBuffer;
    void release(size_t counted);

    const size_t budget_;
    mutable std::mutex mutex_;
    size_t used_ = 0;
    size_t peak_ = 0;
};

// Page-locked host memory, for copies that overlap compute.
class PinnedBuffer {
  public:
    PinnedBuffer() = default;
    explicit PinnedBuffer(size_t bytes);
    ~PinnedBuffer();
    PinnedBuffer(PinnedBuffer&& other) noexcept;
    PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;

    void* data() const { return data_; }
    template <class T> T* as() const { return static_cast<T*>(data_); }
    size_t bytes() const { return bytes_; }

  private:
    void* data_ = nullptr;
    size_t bytes_ = 0;
};

// "1.50 GiB", or "96.0 MiB" below a GiB
std::string gib_text(size_t bytes);

} // namespace hoard::backend::cuda
