#pragma once
// One GGUF metadata value: a scalar, a string or a typed array.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace hoard::gguf {

enum class ValueType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

const char* value_type_name(ValueType type);

class Value;

struct ArrayValue {
    ValueType element_type = ValueType::UInt8;
    std::vector<Value> items;
};

class Value {
  public:
    Value() = default;
    static Value of_uint(ValueType type, uint64_t v) { return Value(type, v); }
    static Value of_int(ValueType type, int64_t v) { return Value(type, v); }
    static Value of_float(ValueType type, double v) { return Value(type, v); }
    static Value of_bool(bool v) { return Value(ValueType::Bool, v); }
    static Value of_string(std::string v) { return Value(ValueType::String, std::move(v)); }
    static Value of_array(ArrayValue v) {
        return Value(ValueType::Array, std::make_shared<ArrayValue>(std::move(v)));
    }

    ValueType type() const { return type_; }
    bool is_integer() const;
    bool is_number() const { return is_integer() || is_float(); }
    bool is_float() const { return type_ == ValueType::Float32 || type_ == ValueType::Float64; }
    bool is_string() const { return type_ == ValueType::String; }
    bool is_array() const { return type_ == ValueType::Array; }

    // Conversions throw std::invalid_argument when the type does not fit.
    uint64_t as_uint() const;
    int64_t as_int() const;
    double as_float() const;
    bool as_bool() const;
    const std::string& as_string() const;
    const ArrayValue& as_array() const;

    // Array conveniences (throw unless an array of a fitting element type).
    std::vector<std::string> as_strings() const;
    std::vector<float> as_floats() const;
    std::vector<int64_t> as_ints() const;

    std::string describe() const; // short text for `hoard info`

  private:
    using Storage = std::variant<std::monostate, uint64_t, int64_t, double, bool, std::string,
                                 std::shared_ptr<ArrayValue>>;
    template <class T> Value(ValueType type, T v) : type_(type), storage_(std::move(v)) {}

    ValueType type_ = ValueType::UInt8;
    Storage storage_;
};

} // namespace hoard::gguf
