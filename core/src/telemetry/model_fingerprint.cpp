#include "telemetry/model_fingerprint.hpp"

#include "hoard/error.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

namespace hoard::telemetry {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr uint64_t kHeadBytes = 1 << 20;
constexpr uint64_t kChunkBytes = 64 << 10;
constexpr uint64_t kSampledChunks = 16;
constexpr uint64_t kWholeFileLimit = 2 << 20;

void mix(uint64_t& hash, const unsigned char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * kFnvPrime;
}

} // namespace

std::string model_fingerprint(const std::filesystem::path& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throw Error(path.string() + ": cannot read (" + ec.message() + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open");

    uint64_t hash = kFnvOffset;
    std::array<unsigned char, 8> size_bytes{};
    for (size_t i = 0; i < 8; ++i) size_bytes[i] = static_cast<unsigned char>(size >> (8 * i));
    mix(hash, size_bytes.data(), size_bytes.size());

    std::vector<unsigned char> buffer;
    auto hash_range = [&](uint64_t offset, uint64_t length) {
        buffer.resize(length);
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(length));
        if (!in) throw Error(path.string() + ": read failed while fingerprinting");
        mix(hash, buffer.data(), buffer.size());
    };
    if (size <= kWholeFileLimit) {
        hash_range(0, size);
    } else {
        hash_range(0, kHeadBytes);
        const uint64_t span = size - kHeadBytes - kChunkBytes; // where samples may start
        for (uint64_t k = 1; k <= kSampledChunks; ++k)
            hash_range(kHeadBytes + span * k / (kSampledChunks + 1), kChunkBytes);
        hash_range(size - kChunkBytes, kChunkBytes);
    }
    char text[32];
    std::snprintf(text, sizeof text, "hfp1-%016llx", static_cast<unsigned long long>(hash));
    return text;
}

} // namespace hoard::telemetry
