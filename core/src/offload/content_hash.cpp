#include "offload/content_hash.hpp"

#include "hoard/error.hpp"

#include <cstring>
#include <fstream>
#include <vector>

namespace hoard::offload {
namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ull;

uint64_t rotl(uint64_t v, int r) {
    return (v << r) | (v >> (64 - r));
}

uint64_t load64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i]; // little-endian on every host
    return v;
}

uint64_t round_lane(uint64_t lane, uint64_t word) {
    lane += word * kPrime2;
    lane = rotl(lane, 31);
    return lane * kPrime1;
}

// Spreads every input bit over the whole result.
uint64_t avalanche(uint64_t h) {
    h ^= h >> 33;
    h *= kPrime2;
    h ^= h >> 29;
    h *= kPrime3;
    h ^= h >> 32;
    return h;
}

} // namespace

ContentHash::ContentHash(uint64_t seed) {
    lane_[0] = seed + kPrime1 + kPrime2;
    lane_[1] = seed + kPrime2;
    lane_[2] = seed;
    lane_[3] = seed - kPrime1;
}

void ContentHash::mix_stripe(const uint8_t* p) {
    for (int i = 0; i < 4; ++i) lane_[i] = round_lane(lane_[i], load64(p + 8 * i));
}

void ContentHash::update(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    length_ += size;
    if (tail_size_ > 0) {
        const size_t take = std::min(size, sizeof tail_ - tail_size_);
        std::memcpy(tail_ + tail_size_, p, take);
        tail_size_ += take;
        p += take;
        size -= take;
        if (tail_size_ < sizeof tail_) return;
        mix_stripe(tail_);
        tail_size_ = 0;
    }
    for (; size >= 32; p += 32, size -= 32) mix_stripe(p);
    std::memcpy(tail_, p, size);
    tail_size_ = size;
}

uint64_t ContentHash::digest() const {
    uint64_t h = rotl(lane_[0], 1) + rotl(lane_[1], 7) + rotl(lane_[2], 12) + rotl(lane_[3], 18);
    for (uint64_t lane : lane_) h = (h ^ round_lane(0, lane)) * kPrime1 + kPrime3;
    h += length_;
    size_t i = 0;
    for (; i + 8 <= tail_size_; i += 8)
        h = rotl(h ^ round_lane(0, load64(tail_ + i)), 27) * kPrime1;
    for (; i < tail_size_; ++i) h = rotl(h ^ (tail_[i] * kPrime3), 11) * kPrime1;
    return avalanche(h);
}

uint64_t content_hash(const void* data, size_t size, uint64_t seed) {
    ContentHash h(seed);
    h.update(data, size);
    return h.digest();
}

uint64_t file_content_hash(const std::filesystem::path& path,
                           const std::function<void(double)>& progress) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throw Error(path.string() + ": cannot read (" + ec.message() + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open");
    ContentHash h;
    std::vector<char> buffer(size_t(8) << 20);
    uint64_t done = 0;
    while (done < size) {
        const size_t want = size_t(std::min<uint64_t>(buffer.size(), size - done));
        in.read(buffer.data(), std::streamsize(want));
        if (!in) throw Error(path.string() + ": read failed while hashing");
        h.update(buffer.data(), want);
        done += want;
        if (progress) progress(double(done) / double(size));
    }
    return h.digest();
}

} // namespace hoard::offload
