#include "gguf/gguf_file.hpp"

#include "gguf/byte_reader.hpp"
#include "hoard/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hoard::gguf {
namespace {

constexpr int kMaxArrayNesting = 4;

// The fewest bytes one value of `type` can take in a file; bounds array counts.
uint64_t min_encoded_size(ValueType type) {
    switch (type) {
    case ValueType::UInt8:
    case ValueType::Int8:
    case ValueType::Bool:
        return 1;
    case ValueType::UInt16:
    case ValueType::Int16:
        return 2;
    case ValueType::UInt32:
    case ValueType::Int32:
    case ValueType::Float32:
        return 4;
    case ValueType::UInt64:
    case ValueType::Int64:
    case ValueType::Float64:
    case ValueType::String:
        return 8;
    case ValueType::Array:
        return 12;
    }
    return 1;
}

bool known_value_type(uint32_t raw) {
    return raw <= static_cast<uint32_t>(ValueType::Float64);
}

Value read_value(ByteReader& in, ValueType type, int depth);

Value read_array(ByteReader& in, int depth) {
    if (depth >= kMaxArrayNesting) in.fail("arrays nested too deeply");
    const auto raw_type = in.read<uint32_t>("array element type");
    if (!known_value_type(raw_type))
        in.fail("unknown array element type " + std::to_string(raw_type));
    const auto element_type = static_cast<ValueType>(raw_type);
    const auto count = in.read<uint64_t>("array length");
    if (count > in.remaining() / min_encoded_size(element_type))
        in.fail("array claims " + std::to_string(count) + " elements, more than the file holds");
    ArrayValue array;
    array.element_type = element_type;
    array.items.reserve(count);
    for (uint64_t i = 0; i < count; ++i)
        array.items.push_back(read_value(in, element_type, depth + 1));
    return Value::of_array(std::move(array));
}

Value read_value(ByteReader& in, ValueType type, int depth) {
    switch (type) {
    case ValueType::UInt8:
        return Value::of_uint(type, in.read<uint8_t>("uint8 value"));
    case ValueType::Int8:
        return Value::of_int(type, in.read<int8_t>("int8 value"));
    case ValueType::UInt16:
        return Value::of_uint(type, in.read<uint16_t>("uint16 value"));
    case ValueType::Int16:
        return Value::of_int(type, in.read<int16_t>("int16 value"));
    case ValueType::UInt32:
        return Value::of_uint(type, in.read<uint32_t>("uint32 value"));
    case ValueType::Int32:
        return Value::of_int(type, in.read<int32_t>("int32 value"));
    case ValueType::UInt64:
        return Value::of_uint(type, in.read<uint64_t>("uint64 value"));
    case ValueType::Int64:
        return Value::of_int(type, in.read<int64_t>("int64 value"));
    case ValueType::Float32:
        return Value::of_float(type, in.read<float>("float32 value"));
    case ValueType::Float64:
        return Value::of_float(type, in.read<double>("float64 value"));
    case ValueType::Bool: {
        const auto b = in.read<uint8_t>("bool value");
        if (b > 1) in.fail("bool value is " + std::to_string(b) + ", not 0 or 1");
        return Value::of_bool(b != 0);
    }
    case ValueType::String:
        return Value::of_string(in.read_string("string value"));
    case ValueType::Array:
        return read_array(in, depth);
    }
    in.fail("unknown value type");
}

uint64_t checked_mul(uint64_t a, uint64_t b, ByteReader& in, const std::string& what) {
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) in.fail(what + " overflows 64 bits");
    return r;
}

} // namespace

std::unique_ptr<GgufFile> GgufFile::open(const std::filesystem::path& path) {
    const std::string label = path.string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(label + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(label + ": not a regular file");
    }
    if (st.st_size == 0) {
        ::close(fd);
        throw Error(label + ": file is empty");
    }
    const auto size = static_cast<size_t>(st.st_size);
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    const int map_errno = errno;
    ::close(fd);
    if (mapping == MAP_FAILED)
        throw Error(label + ": cannot map into memory: " + std::strerror(map_errno));

    std::unique_ptr<GgufFile> file(new GgufFile());
    file->label_ = label;
    file->mapping_ = mapping;
    file->mapping_size_ = size;
    file->bytes_ = {static_cast<const uint8_t*>(mapping), size};
    file->parse_all(); // on failure the destructor unmaps
    return file;
}

std::unique_ptr<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, std::string label) {
    std::unique_ptr<GgufFile> file(new GgufFile());
    file->label_ = std::move(label);
    file->bytes_ = bytes;
    file->parse_all();
    return file;
}

GgufFile::~GgufFile() {
    if (mapping_) ::munmap(mapping_, mapping_size_);
}

void GgufFile::parse_all() {
    ByteReader in(bytes_, label_);
    if (bytes_.size() < 4 || in.read<uint32_t>("magic") != kMagic)
        throw Error(label_ + ": not a GGUF file (bad magic)");
    version_ = in.read<uint32_t>("version");
    if (version_ != 2 && version_ != 3)
        in.fail("unsupported GGUF version " + std::to_string(version_) + " (Hoard reads 2 and 3)");
    const auto n_tensors = in.read<uint64_t>("tensor count");
    const auto n_metadata = in.read<uint64_t>("metadata count");
    // Each metadata entry takes at least 13 bytes and each tensor entry 28.
    if (n_metadata > in.remaining() / 13)
        in.fail("metadata count " + std::to_string(n_metadata) + " is more than the file holds");
    if (n_tensors > in.remaining() / 28)
        in.fail("tensor count " + std::to_string(n_tensors) + " is more than the file holds");

    metadata_.reserve(n_metadata);
    for (uint64_t i = 0; i < n_metadata; ++i) {
        std::string key = in.read_string("metadata key");
        const auto raw_type = in.read<uint32_t>("metadata value type");
        if (!known_value_type(raw_type))
            in.fail("metadata '" + key + "' has unknown value type " + std::to_string(raw_type));
        Value value = read_value(in, static_cast<ValueType>(raw_type), 0);
        if (!metadata_index_.emplace(key, metadata_.size()).second)
            in.fail("duplicate metadata key '" + key + "'");
        metadata_.emplace_back(std::move(key), std::move(value));
    }

    if (const Value* a = find("general.alignment")) {
        if (a->type() != ValueType::UInt32) in.fail("general.alignment is not a uint32");
        const uint64_t align = a->as_uint();
        if (align == 0 || (align & (align - 1)) != 0)
            in.fail("general.alignment " + std::to_string(align) + " is not a power of two");
        alignment_ = static_cast<uint32_t>(align);
    }

    tensors_.reserve(n_tensors);
    for (uint64_t i = 0; i < n_tensors; ++i) {
        TensorInfo t;
        t.name = in.read_string("tensor name");
        const auto n_dims = in.read<uint32_t>("tensor dimension count");
        if (n_dims == 0 || n_dims > kMaxDims)
            in.fail("tensor '" + t.name + "' has " + std::to_string(n_dims) +
                    " dimensions (1 to 4 allowed)");
        t.n_elements = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            const auto dim = in.read<uint64_t>("tensor dimension");
            if (dim == 0 || dim > (uint64_t(1) << 62))
                in.fail("tensor '" + t.name + "' has invalid dimension " + std::to_string(dim));
            t.n_elements = checked_mul(t.n_elements, dim, in, "tensor '" + t.name + "' size");
            t.shape.push_back(dim);
        }
        const auto raw_format = in.read<uint32_t>("tensor type");
        const auto info = quant::find_format(raw_format);
        if (!info)
            in.fail("tensor '" + t.name + "' has unknown type " + std::to_string(raw_format));
        t.format = info->format;
        if (t.shape[0] % info->block_elems != 0)
            in.fail("tensor '" + t.name + "' row of " + std::to_string(t.shape[0]) +
                    " values is not a whole number of " + std::string(info->name) + " blocks");
        t.n_bytes = checked_mul(t.n_elements / info->block_elems, info->block_bytes, in,
                                "tensor '" + t.name + "' byte size");
        t.offset = in.read<uint64_t>("tensor offset");
        if (t.offset % alignment_ != 0)
            in.fail("tensor '" + t.name + "' offset is not aligned to " +
                    std::to_string(alignment_));
        if (!tensor_index_.emplace(t.name, tensors_.size()).second)
            in.fail("duplicate tensor name '" + t.name + "'");
        tensors_.push_back(std::move(t));
    }

    const uint64_t header_end = in.offset();
    data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
    if (n_tensors > 0 && data_offset_ > bytes_.size())
        throw Error(label_ + ": file is truncated: tensor data section is missing");
    const uint64_t data_size = bytes_.size() - std::min<uint64_t>(data_offset_, bytes_.size());
    for (TensorInfo& t : tensors_) {
        if (t.offset > data_size || t.n_bytes > data_size - t.offset)
            throw Error(label_ + ": file is truncated: tensor '" + t.name + "' needs bytes " +
                        std::to_string(t.offset) + ".." + std::to_string(t.offset + t.n_bytes) +
                        " of a data section of " + std::to_string(data_size) + " bytes");
        t.data = bytes_.data() + data_offset_ + t.offset;
    }
}

const Value* GgufFile::find(const std::string& key) const {
    const auto it = metadata_index_.find(key);
    return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {
template <class F> auto typed(const GgufFile& f, const std::string& key, F&& convert) {
    const Value* v = f.find(key);
    if (!v) throw Error(f.label() + ": missing metadata '" + key + "'");
    try {
        return convert(*v);
    } catch (const std::invalid_argument& e) {
        throw Error(f.label() + ": metadata '" + key + "': " + e.what());
    }
}
} // namespace

std::string GgufFile::get_string(const std::string& key) const {
    return typed(*this, key, [](const Value& v) { return v.as_string(); });
}
std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
    return has(key) ? get_string(key) : fallback;
}
uint64_t GgufFile::get_uint(const std::string& key) const {
    return typed(*this, key, [](const Value& v) { return v.as_uint(); });
}
uint64_t GgufFile::get_uint(const std::string& key, uint64_t fallback) const {
    return has(key) ? get_uint(key) : fallback;
}
double GgufFile::get_float(const std::string& key) const {
    return typed(*this, key, [](const Value& v) { return v.as_float(); });
}
double GgufFile::get_float(const std::string& key, double fallback) const {
    return has(key) ? get_float(key) : fallback;
}
bool GgufFile::get_bool(const std::string& key, bool fallback) const {
    return has(key) ? typed(*this, key, [](const Value& v) { return v.as_bool(); }) : fallback;
}

const TensorInfo* GgufFile::find_tensor(const std::string& name) const {
    const auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& GgufFile::tensor(const std::string& name) const {
    if (const TensorInfo* t = find_tensor(name)) return *t;
    throw Error(label_ + ": missing tensor '" + name + "'");
}

} // namespace hoard::gguf
