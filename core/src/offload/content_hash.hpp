#pragma once
// A fast 64-bit content hash (not a security hash): keys the low-precision
// sidecar to the exact bytes of a model file and checks the sidecar's own
// blocks. Four independent lanes of 8-byte words, multiplied and rotated, then
// folded; any changed byte changes the result with overwhelming probability.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>

namespace hoard::offload {

class ContentHash {
  public:
    explicit ContentHash(uint64_t seed = 0);
    void update(const void* data, size_t size);
    uint64_t digest() const; // does not change the state

  private:
    void mix_stripe(const uint8_t* p);
    uint64_t lane_[4];
    uint8_t tail_[32];
    size_t tail_size_ = 0;
    uint64_t length_ = 0;
};

uint64_t content_hash(const void* data, size_t size, uint64_t seed = 0);

// The hash of a whole file, read in large blocks; `progress` (optional) gets
// the fraction read. Throws hoard::Error when the file cannot be read.
uint64_t file_content_hash(const std::filesystem::path& path,
                           const std::function<void(double)>& progress = {});

} // namespace hoard::offload
