#pragma once
// Finds a model's weights in its GGUF file and checks each against the shape
// the configuration implies, so a mismatched or damaged file is reported by
// tensor name ("tensor 'blk.3.attn_q.weight' has shape [256, 128], expected
// [256, 256]") instead of failing inside a kernel.
#include "backend/cpu/matmul.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace hoard::gguf {
class GgufFile;
struct TensorInfo;
} // namespace hoard::gguf

namespace hoard::model {

class TensorLookup {
  public:
    explicit TensorLookup(const gguf::GgufFile& file) : file_(file) {}

    const gguf::GgufFile& file() const { return file_; }
    bool has(const std::string& name) const;

    // A matrix of n_rows rows of row_length values: GGUF shape [row_length, n_rows].
    backend::cpu::MatrixView matrix(const std::string& name, size_t row_length,
                                    size_t n_rows) const;
    // As matrix(), or an empty view when the file has no such tensor.
    backend::cpu::MatrixView optional_matrix(const std::string& name, size_t row_length,
                                             size_t n_rows) const;
    // `count` matrices stored as one tensor of shape [row_length, n_rows, count]
    // (merged expert weights), one view per matrix.
    std::vector<backend::cpu::MatrixView> matrix_stack(const std::string& name, size_t row_length,
                                                       size_t n_rows, size_t count) const;

    // A vector of n floats (norm weights, biases). Stored in another format, it
    // is converted once and kept here, so the lookup must outlive the pointer.
    const float* vector(const std::string& name, size_t n);
    const float* optional_vector(const std::string& name, size_t n);

  private:
    const gguf::TensorInfo& checked(const std::string& name, std::vector<uint64_t> shape) const;
    void require_computable(const gguf::TensorInfo& t) const;

    const gguf::GgufFile& file_;
    std::deque<std::vector<float>> converted_; // deque: pointers stay valid as it grows
};

// "[256, 32000]"
std::string shape_text(const std::vector<uint64_t>& shape);

} // namespace hoard::model
