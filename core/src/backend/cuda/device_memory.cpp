#include "backend/cuda/device_memory.hpp"

#include "backend/cuda/cuda_check.hpp"
#include "hoard/error.hpp"

#include <cstdio>
#include <utility>

namespace hoard::backend::cuda {
namespace {

constexpr size_t kPage = size_t(2) << 20;

} // namespace

std::string gib_text(size_t bytes) {
    char text[32];
    // Small budgets (tiny models, tests) in MiB, so that they do not all read 0.00 GiB.
    if (bytes < (size_t(1) << 30))
        std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(size_t(1) << 20));
    else
        std::snprintf(text, sizeof text, "%.2f GiB", double(bytes) / double(size_t(1) << 30));
    return text;
}

DeviceBuffer::~DeviceBuffer() {
    reset();
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)),
      counted_(std::exchange(other.counted_, 0)), owner_(std::exchange(other.owner_, nullptr)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        reset();
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
        counted_ = std::exchange(other.counted_, 0);
        owner_ = std::exchange(other.owner_, nullptr);
    }
    return *this;
}

void DeviceBuffer::reset() {
    if (data_ == nullptr && counted_ == 0) return;
    if (data_) cudaFree(data_); // nothing useful to do with an error while releasing
    if (owner_) owner_->release(counted_);
    data_ = nullptr;
    bytes_ = counted_ = 0;
    owner_ = nullptr;
}

size_t DeviceMemory::counted_size(size_t bytes) {
    return (bytes + kPage - 1) / kPage * kPage;
}

DeviceBuffer DeviceMemory::allocate(size_t bytes, const std::string& what) {
    if (bytes == 0) return {};
    const size_t counted = counted_size(bytes);
    {
        std::lock_guard lock(mutex_);
        if (counted > budget_ || used_ > budget_ - counted)
            throw Error("the GPU memory budget of " + gib_text(budget_) + " is too small: the " +
                        what + " needs " + gib_text(counted) + " more with " + gib_text(used_) +
                        " already in use");
        used_ += counted;
        if (used_ > peak_) peak_ = used_;
    }
    DeviceBuffer b;
    const cudaError_t status = cudaMalloc(&b.data_, bytes);
    if (status != cudaSuccess) {
        cudaGetLastError(); // so that the next launch check does not report it
        release(counted);
        throw Error("the GPU has no room for the " + what + " (" + gib_text(bytes) +
                    "): " + cudaGetErrorString(status));
    }
    b.bytes_ = bytes;
    b.counted_ = counted;
    b.owner_ = this;
    return b;
}

DeviceBuffer DeviceMemory::reserve(size_t bytes, const std::string& what) {
    if (bytes == 0) return {};
    const size_t counted = counted_size(bytes);
    {
        std::lock_guard lock(mutex_);
        if (counted > budget_ || used_ > budget_ - counted)
            throw Error("the GPU memory budget of " + gib_text(budget_) + " is too small: " + what +
                        " needs " + gib_text(counted) + " more with " + gib_text(used_) +
                        " already in use");
        used_ += counted;
        if (used_ > peak_) peak_ = used_;
    }
    DeviceBuffer b;
    b.bytes_ = bytes;
    b.counted_ = counted;
    b.owner_ = this;
    return b;
}

void DeviceMemory::release(size_t counted) {
    std::lock_guard lock(mutex_);
    used_ -= counted;
}

size_t DeviceMemory::used() const {
    std::lock_guard lock(mutex_);
    return used_;
}

size_t DeviceMemory::peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
}

PinnedBuffer::PinnedBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes == 0) return;
    check_cuda(cudaHostAlloc(&data_, bytes, cudaHostAllocDefault), "allocating pinned host memory");
}

PinnedBuffer::~PinnedBuffer() {
    if (data_) cudaFreeHost(data_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
    if (this != &other) {
        if (data_) cudaFreeHost(data_);
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

} // namespace hoard::backend::cuda
