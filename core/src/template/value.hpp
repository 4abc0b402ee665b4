#pragma once
// The values a chat template computes with: Python-like dynamic values with
// reference semantics for lists and dicts (so `ns.items.append(x)` is seen by
// every holder), insertion-ordered dicts, and jinja2's Undefined.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hoard::templ {

class Value;
struct List;
struct Dict;
struct Function;
using ListPtr = std::shared_ptr<List>;
using DictPtr = std::shared_ptr<Dict>;
using FunctionPtr = std::shared_ptr<Function>;

// jinja2's default Undefined: prints empty, is falsy, iterates empty; the hint
// says what was missing so a failing use can say why.
struct UndefinedValue {
    std::string hint;
};
struct NoneValue {};

class Value {
  public:
    enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Function };

    Value() = default;
    Value(NoneValue) : data_(NoneValue{}) {}
    Value(bool b) : data_(b) {}
    Value(int i) : data_(static_cast<std::int64_t>(i)) {}
    Value(std::int64_t i) : data_(i) {}
    Value(double d) : data_(d) {}
    Value(std::string s) : data_(std::move(s)) {}
    Value(std::string_view s) : data_(std::string(s)) {}
    Value(const char* s) : data_(std::string(s)) {}
    Value(ListPtr l) : data_(std::move(l)) {}
    Value(DictPtr d) : data_(std::move(d)) {}
    Value(FunctionPtr f) : data_(std::move(f)) {}

    static Value undefined(std::string hint) { return Value(UndefinedValue{std::move(hint)}); }
    static Value none() { return Value(NoneValue{}); }
    static Value new_list(std::vector<Value> items = {});
    static Value new_tuple(std::vector<Value> items);
    static Value new_dict();

    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_undefined() const { return kind() == Kind::Undefined; }
    bool is_none() const { return kind() == Kind::None; }
    bool is_bool() const { return kind() == Kind::Bool; }
    bool is_int() const { return kind() == Kind::Int; }
    bool is_float() const { return kind() == Kind::Float; }
    // Python's bool is an int, so arithmetic accepts it.
    bool is_number() const { return is_int() || is_float() || is_bool(); }
    bool is_string() const { return kind() == Kind::String; }
    bool is_list() const { return kind() == Kind::List; }
    bool is_dict() const { return kind() == Kind::Dict; }
    bool is_function() const { return kind() == Kind::Function; }
    bool is_tuple() const;
    bool is_namespace() const;
    bool is_mapping() const { return is_dict() && !is_namespace(); }

    bool as_bool() const { return std::get<bool>(data_); }
    std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
    double as_float() const { return std::get<double>(data_); }
    // Int or bool as an integer (caller checked is_int() || is_bool()).
    std::int64_t integer() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
    // Any number as a double (caller checked is_number()).
    double number() const { return is_float() ? as_float() : static_cast<double>(integer()); }
    const std::string& as_string() const { return std::get<std::string>(data_); }
    const ListPtr& as_list() const { return std::get<ListPtr>(data_); }
    const DictPtr& as_dict() const { return std::get<DictPtr>(data_); }
    const FunctionPtr& as_function() const { return std::get<FunctionPtr>(data_); }
    const std::string& undefined_hint() const { return std::get<UndefinedValue>(data_).hint; }

    // Python truthiness (Undefined is falsy).
    bool truthy() const;
    // Python's str(): what `{{ value }}` prints.
    std::string str() const;
    // Python's repr(): how the value looks inside a printed list or dict.
    std::string repr() const;
    // The type's name as Python error messages show it ("str", "int", "dict").
    std::string type_name() const;

  private:
    explicit Value(UndefinedValue u) : data_(std::move(u)) {}
    std::variant<UndefinedValue, NoneValue, bool, std::int64_t, double, std::string, ListPtr,
                 DictPtr, FunctionPtr>
        data_;
};

struct List {
    std::vector<Value> items;
    bool is_tuple = false;
};

// Insertion-ordered mapping; keys compare with Python equality. Chat-template
// dicts are small, so a linear search beats hashing arbitrary values.
struct Dict {
    std::vector<std::pair<Value, Value>> items;
    bool is_namespace = false; // jinja2's namespace(): attributes may be assigned

    const Value* find(const Value& key) const;
    Value* find(const Value& key);
    const Value* find_key(std::string_view key) const;
    void set(Value key, Value value);
    bool erase(const Value& key);
};

// Arguments of a call as written: positional then keyword.
struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;

    // The argument at `index` or named `name`, or nullptr when absent.
    const Value* get(std::size_t index, std::string_view name) const;
    // Throws unless every keyword is one of `names` and at most `max_positional`
    // positional arguments were given (what a Python signature would enforce).
    void check(std::string_view function, std::size_t max_positional,
               std::initializer_list<std::string_view> names) const;
};

struct Function {
    std::string name;
    std::function<Value(const CallArgs&)> call;
};

Value make_function(std::string name, std::function<Value(const CallArgs&)> call);

// Python's ==, including 1 == 1.0 == True and element-wise container equality.
bool values_equal(const Value& a, const Value& b);
// Python's <; throws hoard::Error for types Python cannot order.
bool value_less(const Value& a, const Value& b);

// Deeply nested or self-containing values stop here instead of exhausting the stack.
inline constexpr int kMaxValueDepth = 500;

} // namespace hoard::templ
