#pragma once
// A GGUF file (versions 2 and 3), memory-mapped and validated on open.
// Every malformed input is rejected with a hoard::Error naming the problem;
// nothing is allocated in proportion to an unchecked count.
#include "gguf/gguf_value.hpp"
#include "quant/block_format.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace hoard::gguf {

inline constexpr uint32_t kMagic = 0x46554747; // "GGUF" little-endian
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr size_t kMaxDims = 4;

struct TensorInfo {
    std::string name;
    std::vector<uint64_t> shape; // ne[0] is the contiguous (row) dimension
    quant::BlockFormat format;
    uint64_t offset = 0; // from the start of the data section
    uint64_t n_elements = 0;
    uint64_t n_bytes = 0;
    const uint8_t* data = nullptr; // into the mapping

    uint64_t row_length() const { return shape.empty() ? 1 : shape[0]; }
    uint64_t n_rows() const { return row_length() == 0 ? 0 : n_elements / row_length(); }
    uint64_t row_bytes() const { return n_rows() == 0 ? 0 : n_bytes / n_rows(); }
};

class GgufFile {
  public:
    // Maps and parses the file at `path`; throws hoard::Error on any problem.
    static std::unique_ptr<GgufFile> open(const std::filesystem::path& path);
    // Parses an in-memory image (for the fuzzer and tests); the bytes must outlive the object.
    static std::unique_ptr<GgufFile> parse(std::span<const uint8_t> bytes, std::string label);

    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& label() const { return label_; } // path or given label, for messages
    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t file_size() const { return bytes_.size(); }
    uint64_t data_offset() const { return data_offset_; }
    std::span<const uint8_t> bytes() const { return bytes_; }

    // Metadata in file order, and lookup by key.
    const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
    const Value* find(const std::string& key) const;
    bool has(const std::string& key) const { return find(key) != nullptr; }

    // Typed access; the throwing forms name the key and what was found.
    std::string get_string(const std::string& key) const;
    std::string get_string(const std::string& key, const std::string& fallback) const;
    uint64_t get_uint(const std::string& key) const;
    uint64_t get_uint(const std::string& key, uint64_t fallback) const;
    double get_float(const std::string& key) const;
    double get_float(const std::string& key, double fallback) const;
    bool get_bool(const std::string& key, bool fallback) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(const std::string& name) const;
    const TensorInfo& tensor(const std::string& name) const; // throws if missing

  private:
    GgufFile() = default;
    void parse_all();

    std::string label_;
    std::span<const uint8_t> bytes_;
    void* mapping_ = nullptr;
    size_t mapping_size_ = 0;
    uint32_t version_ = 0;
    uint32_t alignment_ = kDefaultAlignment;
    uint64_t data_offset_ = 0;
    std::vector<std::pair<std::string, Value>> metadata_;
    std::unordered_map<std::string, size_t> metadata_index_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string, size_t> tensor_index_;
};

} // namespace hoard::gguf
