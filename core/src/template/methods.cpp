#include "template/methods.hpp"

#include <algorithm>
#include <unordered_map>

#include "hoard/error.hpp"
#include "template/interpreter.hpp"
#include "template/operators.hpp"
#include "template/python_format.hpp"
#include "template/string_methods.hpp"

namespace hoard::templ {

namespace {

using Method = MethodFn;

const Value& required(const CallArgs& args, std::size_t i, std::string_view name,
                      std::string_view method) {
    const Value* v = args.get(i, name);
    if (!v)
        throw Error(std::string(method) + "() missing required argument '" + std::string(name) +
                    "'");
    return *v;
}

std::int64_t int_arg(const Value* v, std::int64_t fallback, std::string_view method) {
    if (!v || v->is_none()) return fallback;
    if (v->is_int() || v->is_bool()) return v->integer();
    throw Error(std::string(method) + "(): an integer is required, not " + v->type_name());
}

List& list_of(const Value& self) {
    return *self.as_list();
}
Dict& dict_of(const Value& self) {
    return *self.as_dict();
}

std::size_t list_index(const List& l, std::int64_t i, std::string_view what) {
    const auto n = static_cast<std::int64_t>(l.items.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw Error(std::string(what) + " index out of range");
    return static_cast<std::size_t>(i);
}

void require_mutable(const Value& self, std::string_view method) {
    if (self.is_tuple())
        throw Error("'tuple' object has no attribute '" + std::string(method) + "'");
}

const std::unordered_map<std::string, Method>& list_methods() {
    static const std::unordered_map<std::string, Method> table = {
        {"append",
         [](const Value& self, const CallArgs& a, const RenderLimits& limits) -> Value {
             require_mutable(self, "append");
             a.check("append", 1, {});
             list_of(self).items.push_back(required(a, 0, "object", "append"));
             if (list_of(self).items.size() > limits.max_list_items) throw Error("list too long");
             return Value::none();
         }},
        {"pop",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             require_mutable(self, "pop");
             a.check("pop", 1, {});
             List& l = list_of(self);
             if (l.items.empty()) throw Error("pop from empty list");
             const std::size_t i = list_index(l, int_arg(a.get(0, "index"), -1, "pop"), "pop");
             Value v = l.items[i];
             l.items.erase(l.items.begin() + static_cast<std::ptrdiff_t>(i));
             return v;
         }},
        {"insert",
         [](const Value& self, const CallArgs& a, const RenderLimits& limits) -> Value {
             require_mutable(self, "insert");
             a.check("insert", 2, {});
             List& l = list_of(self);
             const auto n = static_cast<std::int64_t>(l.items.size());
             std::int64_t i = int_arg(&required(a, 0, "index", "insert"), 0, "insert");
             if (i < 0) i = std::max<std::int64_t>(0, i + n);
             i = std::min(i, n);
             l.items.insert(l.items.begin() + i, required(a, 1, "object", "insert"));
             if (l.items.size() > limits.max_list_items) throw Error("list too long");
             return Value::none();
         }},
        {"extend",
         [](const Value& self, const CallArgs& a, const RenderLimits& limits) -> Value {
             require_mutable(self, "extend");
             a.check("extend", 1, {});
             std::vector<Value> more = iterate(required(a, 0, "iterable", "extend"));
             List& l = list_of(self);
             if (l.items.size() + more.size() > limits.max_list_items) throw Error("list too long");
             l.items.insert(l.items.end(), more.begin(), more.end());
             return Value::none();
         }},
        {"remove",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             require_mutable(self, "remove");
             a.check("remove", 1, {});
             List& l = list_of(self);
             const Value& x = required(a, 0, "value", "remove");
             for (auto it = l.items.begin(); it != l.items.end(); ++it) {
                 if (values_equal(*it, x)) {
                     l.items.erase(it);
                     return Value::none();
                 }
             }
             throw Error("list.remove(x): x not in list");
         }},
        {"index",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("index", 1, {});
             const auto& items = list_of(self).items;
             const Value& x = required(a, 0, "value", "index");
             for (std::size_t i = 0; i < items.size(); ++i) {
                 if (values_equal(items[i], x)) return Value(static_cast<std::int64_t>(i));
             }
             throw Error(x.repr() + " is not in list");
         }},
        {"count",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("count", 1, {});
             const Value& x = required(a, 0, "value", "count");
             const auto& items = list_of(self).items;
             return Value(static_cast<std::int64_t>(std::count_if(
                 items.begin(), items.end(), [&](const Value& v) { return values_equal(v, x); })));
         }},
        {"reverse",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             require_mutable(self, "reverse");
             a.check("reverse", 0, {});
             std::reverse(list_of(self).items.begin(), list_of(self).items.end());
             return Value::none();
         }},
        {"sort",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             require_mutable(self, "sort");
             a.check("sort", 0, {"reverse"});
             const Value* rev = a.get(99, "reverse");
             auto& items = list_of(self).items;
             std::stable_sort(items.begin(), items.end(), value_less);
             if (rev && rev->truthy()) std::reverse(items.begin(), items.end());
             return Value::none();
         }},
        {"copy",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("copy", 0, {});
             return Value::new_list(list_of(self).items);
         }},
        {"clear",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             require_mutable(self, "clear");
             a.check("clear", 0, {});
             list_of(self).items.clear();
             return Value::none();
         }},
    };
    return table;
}

const std::unordered_map<std::string, Method>& dict_methods() {
    static const std::unordered_map<std::string, Method> table = {
        {"items",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("items", 0, {});
             std::vector<Value> out;
             for (const auto& [k, v] : dict_of(self).items) out.push_back(Value::new_tuple({k, v}));
             return Value::new_list(std::move(out));
         }},
        {"keys",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("keys", 0, {});
             return Value::new_list(iterate(self));
         }},
        {"values",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("values", 0, {});
             std::vector<Value> out;
             for (const auto& [k, v] : dict_of(self).items) out.push_back(v);
             return Value::new_list(std::move(out));
         }},
        {"get",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("get", 2, {});
             if (const Value* v = dict_of(self).find(required(a, 0, "key", "get"))) return *v;
             const Value* fallback = a.get(1, "default");
             return fallback ? *fallback : Value::none();
         }},
        {"pop",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("pop", 2, {});
             const Value& key = required(a, 0, "key", "pop");
             Dict& d = dict_of(self);
             if (const Value* v = d.find(key)) {
                 Value out = *v;
                 d.erase(key);
                 return out;
             }
             if (const Value* fallback = a.get(1, "default")) return *fallback;
             throw Error("KeyError: " + key.repr());
         }},
        {"setdefault",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("setdefault", 2, {});
             const Value& key = required(a, 0, "key", "setdefault");
             Dict& d = dict_of(self);
             if (const Value* v = d.find(key)) return *v;
             const Value* fallback = a.get(1, "default");
             d.set(key, fallback ? *fallback : Value::none());
             return fallback ? *fallback : Value::none();
         }},
        {"update",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             if (a.positional.size() > 1) throw Error("update expected at most 1 argument");
             Dict& d = dict_of(self);
             if (!a.positional.empty()) {
                 const Value& other = a.positional[0];
                 if (!other.is_mapping()) throw Error("dict.update() needs a mapping");
                 const auto items = other.as_dict()->items; // copy: other may be self
                 for (const auto& [k, v] : items) d.set(k, v);
             }
             for (const auto& [k, v] : a.keyword) d.set(Value(k), v);
             return Value::none();
         }},
        {"copy",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("copy", 0, {});
             Value out = Value::new_dict();
             out.as_dict()->items = dict_of(self).items;
             return out;
         }},
        {"clear",
         [](const Value& self, const CallArgs& a, const RenderLimits&) -> Value {
             a.check("clear", 0, {});
             dict_of(self).items.clear();
             return Value::none();
         }},
    };
    return table;
}

Method find_method(const Value& object, const std::string& name) {
    const std::unordered_map<std::string, Method>* table = nullptr;
    if (object.is_list())
        table = &list_methods();
    else if (object.is_mapping())
        table = &dict_methods();
    else if (object.is_string())
        return find_string_method(name);
    if (!table) return nullptr;
    const auto it = table->find(name);
    return it == table->end() ? nullptr : it->second;
}

} // namespace

bool has_method(const Value& object, const std::string& name) {
    return find_method(object, name) != nullptr;
}

Value call_method(const Value& object, const std::string& name, const CallArgs& args,
                  const RenderLimits& limits) {
    const Method m = find_method(object, name);
    if (!m) throw Error(no_attribute_hint(object, name));
    return m(object, args, limits);
}

Value bound_method(const Value& object, const std::string& name, const RenderLimits& limits) {
    const Method m = find_method(object, name);
    if (!m) throw Error(no_attribute_hint(object, name));
    return make_function(
        object.type_name() + "." + name,
        [object, m, limits](const CallArgs& args) { return m(object, args, limits); });
}

} // namespace hoard::templ
