#include "gguf/gguf_writer.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace hoard::gguf {
namespace {

uint64_t align_up(uint64_t n, uint64_t alignment) {
    return (n + alignment - 1) / alignment * alignment;
}

class HeaderBuilder {
  public:
    template <class T> void put(T v) {
        append(&v, sizeof(T));
    }
    void put_string(const std::string& s) {
        put<uint64_t>(s.size());
        append(s.data(), s.size());
    }
    // resize + memcpy rather than insert: GCC 12 warns falsely on byte inserts at -O3.
    void append(const void* p, size_t n) {
        if (n == 0) return;
        const size_t at = bytes.size();
        bytes.resize(at + n);
        std::memcpy(bytes.data() + at, p, n);
    }
    void put_value(const Value& v) {
        switch (v.type()) {
        case ValueType::UInt8:
            put<uint8_t>(static_cast<uint8_t>(v.as_uint()));
            break;
        case ValueType::Int8:
            put<int8_t>(static_cast<int8_t>(v.as_int()));
            break;
        case ValueType::UInt16:
            put<uint16_t>(static_cast<uint16_t>(v.as_uint()));
            break;
        case ValueType::Int16:
            put<int16_t>(static_cast<int16_t>(v.as_int()));
            break;
        case ValueType::UInt32:
            put<uint32_t>(static_cast<uint32_t>(v.as_uint()));
            break;
        case ValueType::Int32:
            put<int32_t>(static_cast<int32_t>(v.as_int()));
            break;
        case ValueType::UInt64:
            put<uint64_t>(v.as_uint());
            break;
        case ValueType::Int64:
            put<int64_t>(v.as_int());
            break;
        case ValueType::Float32:
            put<float>(static_cast<float>(v.as_float()));
            break;
        case ValueType::Float64:
            put<double>(v.as_float());
            break;
        case ValueType::Bool:
            put<uint8_t>(v.as_bool() ? 1 : 0);
            break;
        case ValueType::String:
            put_string(v.as_string());
            break;
        case ValueType::Array: {
            const ArrayValue& a = v.as_array();
            put<uint32_t>(static_cast<uint32_t>(a.element_type));
            put<uint64_t>(a.items.size());
            for (const Value& item : a.items) put_value(item);
            break;
        }
        }
    }
    std::vector<uint8_t> bytes;
};

template <class T, class Make> Value array_of(ValueType type, const std::vector<T>& v, Make make) {
    ArrayValue a;
    a.element_type = type;
    a.items.reserve(v.size());
    for (const T& x : v) a.items.push_back(make(x));
    return Value::of_array(std::move(a));
}

} // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw Error("GGUF alignment must be a power of two");
    if (alignment != kDefaultAlignment) set_u32("general.alignment", alignment);
}

void GgufWriter::set(const std::string& key, Value value) {
    for (auto& [k, v] : metadata_)
        if (k == key) {
            v = std::move(value);
            return;
        }
    metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::set_strings(const std::string& key, const std::vector<std::string>& v) {
    set(key,
        array_of(ValueType::String, v, [](const std::string& s) { return Value::of_string(s); }));
}
void GgufWriter::set_floats(const std::string& key, const std::vector<float>& v) {
    set(key, array_of(ValueType::Float32, v,
                      [](float f) { return Value::of_float(ValueType::Float32, f); }));
}
void GgufWriter::set_i32s(const std::string& key, const std::vector<int32_t>& v) {
    set(key, array_of(ValueType::Int32, v,
                      [](int32_t i) { return Value::of_int(ValueType::Int32, i); }));
}

void GgufWriter::add(PendingTensor t) {
    if (t.shape.empty() || t.shape.size() > kMaxDims)
        throw Error("tensor '" + t.name + "' must have 1 to 4 dimensions");
    for (const PendingTensor& other : tensors_)
        if (other.name == t.name) throw Error("duplicate tensor name '" + t.name + "'");
    const quant::FormatInfo& info = quant::format_info(t.format);
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    if (t.shape[0] % info.block_elems != 0)
        throw Error("tensor '" + t.name + "' rows are not whole " + std::string(info.name) +
                    " blocks");
    t.n_bytes = n / info.block_elems * info.block_bytes;
    if (!t.fill && t.data.size() != t.n_bytes)
        throw Error("tensor '" + t.name + "' has " + std::to_string(t.data.size()) +
                    " bytes of data, expected " + std::to_string(t.n_bytes));
    t.offset = data_size_;
    data_size_ = align_up(data_size_ + t.n_bytes, alignment_);
    tensors_.push_back(std::move(t));
}

void GgufWriter::add_tensor(std::string name, std::vector<uint64_t> shape,
                            quant::BlockFormat format, std::vector<uint8_t> data) {
    add({std::move(name), std::move(shape), format, 0, 0, std::move(data), {}});
}

void GgufWriter::add_tensor(std::string name, std::vector<uint64_t> shape,
                            quant::BlockFormat format, Fill fill) {
    add({std::move(name), std::move(shape), format, 0, 0, {}, std::move(fill)});
}

std::vector<uint8_t> GgufWriter::header() const {
    HeaderBuilder h;
    h.put<uint32_t>(kMagic);
    h.put<uint32_t>(3);
    h.put<uint64_t>(tensors_.size());
    h.put<uint64_t>(metadata_.size());
    for (const auto& [key, value] : metadata_) {
        h.put_string(key);
        h.put<uint32_t>(static_cast<uint32_t>(value.type()));
        h.put_value(value);
    }
    for (const PendingTensor& t : tensors_) {
        h.put_string(t.name);
        h.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
        for (uint64_t d : t.shape) h.put<uint64_t>(d);
        h.put<uint32_t>(static_cast<uint32_t>(t.format));
        h.put<uint64_t>(t.offset);
    }
    h.bytes.resize(align_up(h.bytes.size(), alignment_), 0);
    return std::move(h.bytes);
}

uint64_t GgufWriter::total_bytes() const {
    return header().size() + data_size_;
}

std::vector<uint8_t> GgufWriter::write_to_memory() const {
    std::vector<uint8_t> out = header();
    const uint64_t base = out.size();
    out.resize(base + data_size_, 0);
    for (const PendingTensor& t : tensors_) {
        std::span<uint8_t> dst(out.data() + base + t.offset, t.n_bytes);
        if (t.fill)
            t.fill(dst);
        else
            std::memcpy(dst.data(), t.data.data(), t.n_bytes);
    }
    return out;
}

void GgufWriter::write(const std::filesystem::path& path, const Progress& progress) const {
    const std::filesystem::path partial = path.string() + ".partial";
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot create: " + std::strerror(errno));
    const auto fail = [&](const char* what) {
        const std::string reason = std::strerror(errno);
        out.close();
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        throw Error(path.string() + ": " + what + ": " + reason);
    };
    const std::vector<uint8_t> head = header();
    const uint64_t total = head.size() + data_size_;
    uint64_t written = 0;
    auto emit = [&](const uint8_t* p, uint64_t n) {
        if (!out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n)))
            fail("write failed (is the disk full?)");
        written += n;
        if (progress) progress(written, total);
    };
    emit(head.data(), head.size());
    std::vector<uint8_t> buffer;
    for (const PendingTensor& t : tensors_) {
        if (t.fill) {
            buffer.assign(t.n_bytes, 0);
            t.fill(buffer);
            emit(buffer.data(), buffer.size());
        } else {
            emit(t.data.data(), t.n_bytes);
        }
        const uint64_t padding = align_up(t.n_bytes, alignment_) - t.n_bytes;
        const std::vector<uint8_t> zeros(padding, 0);
        emit(zeros.data(), padding);
    }
    out.flush();
    if (!out) fail("write failed (is the disk full?)");
    out.close();
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec) {
        std::filesystem::remove(partial, ec);
        throw Error(path.string() + ": cannot move the finished file into place: " + ec.message());
    }
}

} // namespace hoard::gguf
