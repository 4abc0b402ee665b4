#include "template/builtins.hpp"

#include <memory>

#include "hoard/error.hpp"
#include "template/chat_template.hpp"

namespace hoard::templ {

namespace {

constexpr std::int64_t kMaxRange = 100000; // what Hugging Face's sandbox allows

std::string two(int v) {
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
}

Value builtin_range(const CallArgs& a) {
    if (!a.keyword.empty()) throw Error("range() takes no keyword arguments");
    std::int64_t start = 0, stop = 0, step = 1;
    auto as_int = [](const Value& v) {
        if (!v.is_int() && !v.is_bool())
            throw Error("'" + v.type_name() + "' object cannot be interpreted as an integer");
        return v.integer();
    };
    switch (a.positional.size()) {
    case 1:
        stop = as_int(a.positional[0]);
        break;
    case 2:
        start = as_int(a.positional[0]);
        stop = as_int(a.positional[1]);
        break;
    case 3:
        start = as_int(a.positional[0]);
        stop = as_int(a.positional[1]);
        step = as_int(a.positional[2]);
        break;
    default:
        throw Error("range expected 1 to 3 arguments");
    }
    if (step == 0) throw Error("range() arg 3 must not be zero");
    std::vector<Value> out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (static_cast<std::int64_t>(out.size()) >= kMaxRange)
            throw Error("range too big: at most " + std::to_string(kMaxRange) + " items");
        out.emplace_back(i);
        if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
    return Value::new_list(std::move(out));
}

// dict(mapping_or_pairs?, **kwargs), which namespace() also takes.
Value build_dict(const CallArgs& a, const char* what) {
    if (a.positional.size() > 1)
        throw Error(std::string(what) + "() takes at most 1 positional argument");
    Value d = Value::new_dict();
    if (!a.positional.empty()) {
        const Value& src = a.positional[0];
        if (src.is_dict()) {
            d.as_dict()->items = src.as_dict()->items;
        } else if (src.is_list()) {
            for (const Value& pair : src.as_list()->items) {
                if (!pair.is_list() || pair.as_list()->items.size() != 2)
                    throw Error(std::string(what) + "(): sequence elements must be pairs");
                d.as_dict()->set(pair.as_list()->items[0], pair.as_list()->items[1]);
            }
        } else if (!src.is_undefined()) {
            throw Error(std::string(what) + "(): cannot build a mapping from " + src.type_name());
        }
    }
    for (const auto& [k, v] : a.keyword) d.as_dict()->set(Value(k), v);
    return d;
}

} // namespace

std::string format_time(std::string_view format, const std::tm& t) {
    static const char* days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};
    static const char* months[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
    const int wday = (t.tm_wday % 7 + 7) % 7;
    const int mon = (t.tm_mon % 12 + 12) % 12;
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 >= format.size()) {
            out += format[i];
            continue;
        }
        char c = format[++i];
        bool unpadded = false;
        if (c == '-' && i + 1 < format.size()) {
            unpadded = true;
            c = format[++i];
        }
        auto num = [&](int v, int width, char fill = '0') {
            std::string s = std::to_string(v);
            if (!unpadded)
                while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
            return s;
        };
        const int hour12 = t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12;
        switch (c) {
        case 'a':
            out += std::string(days[wday]).substr(0, 3);
            break;
        case 'A':
            out += days[wday];
            break;
        case 'b':
        case 'h':
            out += std::string(months[mon]).substr(0, 3);
            break;
        case 'B':
            out += months[mon];
            break;
        case 'd':
            out += num(t.tm_mday, 2);
            break;
        case 'e':
            out += num(t.tm_mday, 2, ' ');
            break;
        case 'H':
            out += num(t.tm_hour, 2);
            break;
        case 'I':
            out += num(hour12, 2);
            break;
        case 'j':
            out += num(t.tm_yday + 1, 3);
            break;
        case 'm':
            out += num(t.tm_mon + 1, 2);
            break;
        case 'M':
            out += num(t.tm_min, 2);
            break;
        case 'p':
            out += t.tm_hour < 12 ? "AM" : "PM";
            break;
        case 'S':
            out += num(t.tm_sec, 2);
            break;
        case 'y':
            out += num((t.tm_year + 1900) % 100, 2);
            break;
        case 'Y':
            out += std::to_string(t.tm_year + 1900);
            break;
        case 'C':
            out += num((t.tm_year + 1900) / 100, 2);
            break;
        case 'u':
            out += std::to_string(wday == 0 ? 7 : wday);
            break;
        case 'w':
            out += std::to_string(wday);
            break;
        case 'F':
            out +=
                std::to_string(t.tm_year + 1900) + "-" + two(t.tm_mon + 1) + "-" + two(t.tm_mday);
            break;
        case 'T':
            out += two(t.tm_hour) + ":" + two(t.tm_min) + ":" + two(t.tm_sec);
            break;
        case 'R':
            out += two(t.tm_hour) + ":" + two(t.tm_min);
            break;
        case 'D':
            out += two(t.tm_mon + 1) + "/" + two(t.tm_mday) + "/" + two((t.tm_year + 1900) % 100);
            break;
        case 'x':
            out += two(t.tm_mon + 1) + "/" + two(t.tm_mday) + "/" + two((t.tm_year + 1900) % 100);
            break;
        case 'X':
            out += two(t.tm_hour) + ":" + two(t.tm_min) + ":" + two(t.tm_sec);
            break;
        case 'c':
            out += std::string(days[wday]).substr(0, 3) + " " +
                   std::string(months[mon]).substr(0, 3) + " " + num(t.tm_mday, 2, ' ') + " " +
                   two(t.tm_hour) + ":" + two(t.tm_min) + ":" + two(t.tm_sec) + " " +
                   std::to_string(t.tm_year + 1900);
            break;
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case '%':
            out += '%';
            break;
        default:
            out += '%';
            if (unpadded) out += '-';
            out += c;
        }
    }
    return out;
}

void install_builtins(Scope& globals, Interpreter& interpreter) {
    globals.vars["range"] = make_function("range", builtin_range);
    globals.vars["dict"] =
        make_function("dict", [](const CallArgs& a) { return build_dict(a, "dict"); });
    globals.vars["namespace"] = make_function("namespace", [](const CallArgs& a) {
        Value ns = build_dict(a, "namespace");
        ns.as_dict()->is_namespace = true;
        return ns;
    });
    globals.vars["raise_exception"] =
        make_function("raise_exception", [](const CallArgs& a) -> Value {
            const Value* message = a.get(0, "message");
            throw TemplateRaisedError(message ? message->str()
                                              : std::string("raise_exception() called"));
        });
    Interpreter* self = &interpreter;
    globals.vars["strftime_now"] = make_function("strftime_now", [self](const CallArgs& a) {
        const Value* format = a.get(0, "format");
        if (!format || !format->is_string()) throw Error("strftime_now() needs a format string");
        return Value(format_time(format->as_string(), self->local_time()));
    });
    globals.vars["joiner"] = make_function("joiner", [](const CallArgs& a) {
        const Value* sep_arg = a.get(0, "sep");
        const std::string sep = sep_arg ? sep_arg->str() : ", ";
        auto used = std::make_shared<bool>(false);
        return make_function("joiner", [sep, used](const CallArgs&) {
            if (!*used) {
                *used = true;
                return Value(std::string());
            }
            return Value(sep);
        });
    });
}

} // namespace hoard::templ
