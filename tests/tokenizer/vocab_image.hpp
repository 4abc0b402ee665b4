#pragma once
// Builds small in-memory GGUF images (metadata only) for tokenizer tests, so that
// well-formed and deliberately broken vocabularies can be fed to from_gguf.
// Setting a key again replaces its value (GGUF files may not repeat keys).
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace hoard::test {

class VocabImage {
  public:
    VocabImage& string(const std::string& key, const std::string& value) {
        key_header(key, 8);
        put_string(value);
        finish(key);
        return *this;
    }
    VocabImage& u32(const std::string& key, uint32_t value) {
        key_header(key, 4);
        put(value);
        finish(key);
        return *this;
    }
    VocabImage& boolean(const std::string& key, bool value) {
        key_header(key, 7);
        put(static_cast<uint8_t>(value ? 1 : 0));
        finish(key);
        return *this;
    }
    VocabImage& strings(const std::string& key, const std::vector<std::string>& values) {
        key_header(key, 9);
        put(uint32_t{8});
        put(static_cast<uint64_t>(values.size()));
        for (const auto& v : values) put_string(v);
        finish(key);
        return *this;
    }
    VocabImage& floats(const std::string& key, const std::vector<float>& values) {
        key_header(key, 9);
        put(uint32_t{6});
        put(static_cast<uint64_t>(values.size()));
        for (float v : values) put(v);
        finish(key);
        return *this;
    }
    VocabImage& ints(const std::string& key, const std::vector<int32_t>& values) {
        key_header(key, 9);
        put(uint32_t{5});
        put(static_cast<uint64_t>(values.size()));
        for (int32_t v : values) put(v);
        finish(key);
        return *this;
    }

    // The complete file: header, then the metadata written so far, no tensors.
    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out;
        auto append = [&](const void* p, size_t n) {
            const auto* b = static_cast<const uint8_t*>(p);
            out.insert(out.end(), b, b + n);
        };
        const uint32_t magic = 0x46554747, version = 3;
        const uint64_t n_tensors = 0, n_kv = entries_.size();
        append(&magic, 4);
        append(&version, 4);
        append(&n_tensors, 8);
        append(&n_kv, 8);
        for (const auto& e : entries_) out.insert(out.end(), e.second.begin(), e.second.end());
        return out;
    }

  private:
    template <class T> void put(T v) {
        const size_t at = body_.size();
        body_.resize(at + sizeof(T));
        std::memcpy(body_.data() + at, &v, sizeof(T));
    }
    void put_string(const std::string& s) {
        put(static_cast<uint64_t>(s.size()));
        body_.insert(body_.end(), s.begin(), s.end());
    }
    void key_header(const std::string& key, uint32_t type) {
        put_string(key);
        put(type);
    }

    // Moves the entry being written into place, replacing one of the same key.
    void finish(const std::string& key) {
        for (auto& e : entries_) {
            if (e.first == key) {
                e.second = std::move(body_);
                body_.clear();
                return;
            }
        }
        entries_.emplace_back(key, std::move(body_));
        body_.clear();
    }

    std::vector<uint8_t> body_; // the entry being written
    std::vector<std::pair<std::string, std::vector<uint8_t>>> entries_;
};

} // namespace hoard::test
