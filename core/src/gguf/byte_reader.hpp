#pragma once
// Bounds-checked little-endian reads from a byte span; every failure names
// what was being read and where, so a truncated file says how it is broken.
#include "hoard/error.hpp"

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace hoard::gguf {

class ByteReader {
  public:
    ByteReader(std::span<const uint8_t> bytes, const std::string& label)
        : bytes_(bytes), label_(label) {}

    uint64_t offset() const { return offset_; }
    uint64_t remaining() const { return bytes_.size() - offset_; }

    template <class T> T read(const char* what) {
        T value;
        require(sizeof(T), what);
        std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
        offset_ += sizeof(T);
        return value;
    }

    std::string read_string(const char* what) {
        const auto length = read<uint64_t>(what);
        if (length > remaining())
            fail(std::string(what) + " claims " + std::to_string(length) + " bytes but only " +
                 std::to_string(remaining()) + " remain");
        std::string s(reinterpret_cast<const char*>(bytes_.data() + offset_), length);
        offset_ += length;
        return s;
    }

    [[noreturn]] void fail(const std::string& message) const {
        throw Error(label_ + ": " + message + " (at byte " + std::to_string(offset_) + ")");
    }

  private:
    void require(uint64_t n, const char* what) const {
        if (n > remaining()) fail(std::string("file is truncated: cannot read ") + what);
    }

    std::span<const uint8_t> bytes_;
    const std::string& label_;
    uint64_t offset_ = 0;
};

} // namespace hoard::gguf
