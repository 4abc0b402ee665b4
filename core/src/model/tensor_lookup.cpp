#include "model/tensor_lookup.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "quant/kernels.hpp"

#include <cstring>

namespace hoard::model {

using backend::cpu::MatrixView;

std::string shape_text(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

bool TensorLookup::has(const std::string& name) const {
    return file_.find_tensor(name) != nullptr;
}

const gguf::TensorInfo& TensorLookup::checked(const std::string& name,
                                              std::vector<uint64_t> expected) const {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) throw Error(file_.label() + ": the model is missing tensor '" + name + "'");
    // Trailing dimensions of 1 carry no information; compare without them.
    std::vector<uint64_t> actual = t->shape;
    while (actual.size() > 1 && actual.back() == 1) actual.pop_back();
    while (expected.size() > 1 && expected.back() == 1) expected.pop_back();
    if (actual != expected)
        throw Error(file_.label() + ": tensor '" + name + "' has shape " + shape_text(t->shape) +
                    ", but this " + file_.get_string("general.architecture", "") + " model needs " +
                    shape_text(expected));
    return *t;
}

void TensorLookup::require_computable(const gguf::TensorInfo& t) const {
    const quant::FormatInfo& info = quant::format_info(t.format);
    if (!info.computable)
        throw Error(file_.label() + ": tensor '" + t.name + "' is stored as " +
                    std::string(info.name) + ", a format Hoard cannot compute with");
    if (t.row_length() % info.block_elems != 0)
        throw Error(file_.label() + ": tensor '" + t.name + "' has rows of " +
                    std::to_string(t.row_length()) + " values, not a whole number of " +
                    std::string(info.name) + " blocks");
}

MatrixView TensorLookup::matrix(const std::string& name, size_t row_length, size_t n_rows) const {
    const gguf::TensorInfo& t = checked(name, {row_length, n_rows});
    require_computable(t);
    return MatrixView{t.format, t.data, n_rows, row_length, quant::row_bytes(t.format, row_length)};
}

MatrixView TensorLookup::optional_matrix(const std::string& name, size_t row_length,
                                         size_t n_rows) const {
    return has(name) ? matrix(name, row_length, n_rows) : MatrixView{};
}

std::vector<MatrixView> TensorLookup::matrix_stack(const std::string& name, size_t row_length,
                                                   size_t n_rows, size_t count) const {
    const gguf::TensorInfo& t = checked(name, {row_length, n_rows, count});
    require_computable(t);
    const size_t row_stride = quant::row_bytes(t.format, row_length);
    std::vector<MatrixView> views;
    views.reserve(count);
    for (size_t i = 0; i < count; ++i)
        views.push_back(
            MatrixView{t.format, t.data + i * n_rows * row_stride, n_rows, row_length, row_stride});
    return views;
}

const float* TensorLookup::vector(const std::string& name, size_t n) {
    const gguf::TensorInfo& t = checked(name, {n});
    if (t.format == quant::BlockFormat::F32 &&
        reinterpret_cast<uintptr_t>(t.data) % alignof(float) == 0)
        return reinterpret_cast<const float*>(t.data);
    std::vector<float>& values = converted_.emplace_back(n);
    if (t.format == quant::BlockFormat::F32) {
        std::memcpy(values.data(), t.data, n * sizeof(float));
    } else {
        require_computable(t);
        quant::dequantize_row(t.format, t.data, values.data(), n);
    }
    return values.data();
}

const float* TensorLookup::optional_vector(const std::string& name, size_t n) {
    return has(name) ? vector(name, n) : nullptr;
}

} // namespace hoard::model
