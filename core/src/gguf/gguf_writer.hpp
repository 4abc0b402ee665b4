#pragma once
// Writes GGUF version 3 files. Tensor data may be produced while writing (a
// fill callback), so multi-gigabyte synthetic models never sit in memory.
// Files are written beside the target and renamed into place when complete,
// so a failed write (a full disk) never leaves a half file behind.
#include "gguf/gguf_value.hpp"
#include "quant/block_format.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace hoard::gguf {

class GgufWriter {
  public:
    using Fill = std::function<void(std::span<uint8_t> dst)>;
    using Progress = std::function<void(uint64_t done_bytes, uint64_t total_bytes)>;

    explicit GgufWriter(uint32_t alignment = 32);

    // Metadata keeps insertion order; setting a key again replaces its value.
    void set(const std::string& key, Value value);
    void set_string(const std::string& key, std::string v) {
        set(key, Value::of_string(std::move(v)));
    }
    void set_u32(const std::string& key, uint32_t v) {
        set(key, Value::of_uint(ValueType::UInt32, v));
    }
    void set_i32(const std::string& key, int32_t v) {
        set(key, Value::of_int(ValueType::Int32, v));
    }
    void set_f32(const std::string& key, float v) {
        set(key, Value::of_float(ValueType::Float32, v));
    }
    void set_bool(const std::string& key, bool v) { set(key, Value::of_bool(v)); }
    void set_strings(const std::string& key, const std::vector<std::string>& v);
    void set_floats(const std::string& key, const std::vector<float>& v);
    void set_i32s(const std::string& key, const std::vector<int32_t>& v);

    void add_tensor(std::string name, std::vector<uint64_t> shape, quant::BlockFormat format,
                    std::vector<uint8_t> data);
    void add_tensor(std::string name, std::vector<uint64_t> shape, quant::BlockFormat format,
                    Fill fill);

    uint64_t total_bytes() const; // size of the file write() produces

    void write(const std::filesystem::path& path, const Progress& progress = {}) const;
    std::vector<uint8_t> write_to_memory() const;

  private:
    struct PendingTensor {
        std::string name;
        std::vector<uint64_t> shape;
        quant::BlockFormat format;
        uint64_t n_bytes;
        uint64_t offset;
        std::vector<uint8_t> data; // empty when `fill` produces it
        Fill fill;
    };
    std::vector<uint8_t> header() const;
    void add(PendingTensor tensor);

    uint32_t alignment_;
    std::vector<std::pair<std::string, Value>> metadata_;
    std::vector<PendingTensor> tensors_;
    uint64_t data_size_ = 0;
};

} // namespace hoard::gguf
