#include "gguf/gguf_value.hpp"

#include <sstream>
#include <stdexcept>

namespace hoard::gguf {

const char* value_type_name(ValueType type) {
    switch (type) {
    case ValueType::UInt8:
        return "uint8";
    case ValueType::Int8:
        return "int8";
    case ValueType::UInt16:
        return "uint16";
    case ValueType::Int16:
        return "int16";
    case ValueType::UInt32:
        return "uint32";
    case ValueType::Int32:
        return "int32";
    case ValueType::Float32:
        return "float32";
    case ValueType::Bool:
        return "bool";
    case ValueType::String:
        return "string";
    case ValueType::Array:
        return "array";
    case ValueType::UInt64:
        return "uint64";
    case ValueType::Int64:
        return "int64";
    case ValueType::Float64:
        return "float64";
    }
    return "unknown";
}

bool Value::is_integer() const {
    switch (type_) {
    case ValueType::UInt8:
    case ValueType::Int8:
    case ValueType::UInt16:
    case ValueType::Int16:
    case ValueType::UInt32:
    case ValueType::Int32:
    case ValueType::UInt64:
    case ValueType::Int64:
        return true;
    default:
        return false;
    }
}

uint64_t Value::as_uint() const {
    if (const auto* u = std::get_if<uint64_t>(&storage_)) return *u;
    if (const auto* i = std::get_if<int64_t>(&storage_)) {
        if (*i < 0) throw std::invalid_argument("negative value where a count was expected");
        return static_cast<uint64_t>(*i);
    }
    throw std::invalid_argument(std::string("expected an integer, found ") +
                                value_type_name(type_));
}

int64_t Value::as_int() const {
    if (const auto* i = std::get_if<int64_t>(&storage_)) return *i;
    if (const auto* u = std::get_if<uint64_t>(&storage_)) {
        if (*u > static_cast<uint64_t>(INT64_MAX))
            throw std::invalid_argument("integer out of range");
        return static_cast<int64_t>(*u);
    }
    throw std::invalid_argument(std::string("expected an integer, found ") +
                                value_type_name(type_));
}

double Value::as_float() const {
    if (const auto* d = std::get_if<double>(&storage_)) return *d;
    if (is_integer()) {
        if (const auto* u = std::get_if<uint64_t>(&storage_)) return static_cast<double>(*u);
        return static_cast<double>(std::get<int64_t>(storage_));
    }
    throw std::invalid_argument(std::string("expected a number, found ") + value_type_name(type_));
}

bool Value::as_bool() const {
    if (const auto* b = std::get_if<bool>(&storage_)) return *b;
    if (is_integer()) return as_uint() != 0;
    throw std::invalid_argument(std::string("expected a bool, found ") + value_type_name(type_));
}

const std::string& Value::as_string() const {
    if (const auto* s = std::get_if<std::string>(&storage_)) return *s;
    throw std::invalid_argument(std::string("expected a string, found ") + value_type_name(type_));
}

const ArrayValue& Value::as_array() const {
    if (const auto* a = std::get_if<std::shared_ptr<ArrayValue>>(&storage_)) return **a;
    throw std::invalid_argument(std::string("expected an array, found ") + value_type_name(type_));
}

std::vector<std::string> Value::as_strings() const {
    const ArrayValue& array = as_array();
    std::vector<std::string> out;
    out.reserve(array.items.size());
    for (const Value& v : array.items) out.push_back(v.as_string());
    return out;
}

std::vector<float> Value::as_floats() const {
    const ArrayValue& array = as_array();
    std::vector<float> out;
    out.reserve(array.items.size());
    for (const Value& v : array.items) out.push_back(static_cast<float>(v.as_float()));
    return out;
}

std::vector<int64_t> Value::as_ints() const {
    const ArrayValue& array = as_array();
    std::vector<int64_t> out;
    out.reserve(array.items.size());
    for (const Value& v : array.items) out.push_back(v.as_int());
    return out;
}

std::string Value::describe() const {
    std::ostringstream out;
    switch (type_) {
    case ValueType::String: {
        const std::string& s = as_string();
        if (s.size() > 60)
            out << '"' << s.substr(0, 57) << "...\" (" << s.size() << " bytes)";
        else
            out << '"' << s << '"';
        break;
    }
    case ValueType::Array: {
        const ArrayValue& a = as_array();
        out << "[" << a.items.size() << " x " << value_type_name(a.element_type) << "]";
        break;
    }
    case ValueType::Bool:
        out << (as_bool() ? "true" : "false");
        break;
    case ValueType::Float32:
    case ValueType::Float64:
        out << as_float();
        break;
    default:
        if (std::holds_alternative<int64_t>(storage_))
            out << std::get<int64_t>(storage_);
        else
            out << as_uint();
    }
    return out.str();
}

} // namespace hoard::gguf
