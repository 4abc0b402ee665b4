#include "export_parsing.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace hoard::test {

CsvTable parse_csv(const std::string& text) {
    CsvTable rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, was_quoted = false;
    size_t i = 0;
    auto end_field = [&] {
        row.push_back(field);
        field.clear();
        was_quoted = false;
    };
    auto end_row = [&] {
        end_field();
        rows.push_back(std::move(row));
        row.clear();
    };
    while (i < text.size()) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    i += 2;
                    continue;
                }
                quoted = false;
                ++i;
                continue;
            }
            field += c;
            ++i;
            continue;
        }
        if (c == '"') {
            if (!field.empty() || was_quoted) throw std::runtime_error("stray quote in a field");
            quoted = was_quoted = true;
        } else if (c == ',') {
            end_field();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_row();
        } else {
            if (was_quoted) throw std::runtime_error("text after a closing quote");
            field += c;
        }
        ++i;
    }
    if (quoted) throw std::runtime_error("unterminated quote");
    if (!field.empty() || !row.empty() || was_quoted) end_row();
    return rows;
}

namespace {

bool is_int(const nlohmann::json& v) {
    return v.is_number_integer();
}

std::string where(size_t index, const nlohmann::json& e) {
    return "event " + std::to_string(index) + " " + e.dump().substr(0, 200) + ": ";
}

} // namespace

std::string validate_trace(const nlohmann::json& trace) {
    if (!trace.is_object()) return "the trace is not a JSON object";
    if (!trace.contains("traceEvents") || !trace["traceEvents"].is_array())
        return "no traceEvents array";
    if (trace.contains("displayTimeUnit")) {
        const auto& unit = trace["displayTimeUnit"];
        if (!unit.is_string() || (unit != "ms" && unit != "ns"))
            return "displayTimeUnit must be \"ms\" or \"ns\"";
    }
    struct Span {
        double ts, dur;
        size_t index;
    };
    std::map<std::pair<int64_t, int64_t>, std::vector<Span>> threads;
    std::set<std::pair<int64_t, int64_t>> named_threads;
    std::set<int64_t> named_processes, used_processes;
    const auto& events = trace["traceEvents"];
    for (size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (!e.is_object()) return where(i, e) + "not an object";
        if (!e.contains("ph") || !e["ph"].is_string() || e["ph"].get<std::string>().size() != 1)
            return where(i, e) + "ph must be a one-letter string";
        const std::string ph = e["ph"];
        if (!e.contains("pid") || !is_int(e["pid"])) return where(i, e) + "pid must be an integer";
        if (e.contains("args") && !e["args"].is_object()) return where(i, e) + "args not an object";
        if (e.contains("cat") && !e["cat"].is_string()) return where(i, e) + "cat not a string";
        const int64_t pid = e["pid"];
        if (ph == "X") {
            if (!e.contains("name") || !e["name"].is_string()) return where(i, e) + "no name";
            if (!e.contains("tid") || !is_int(e["tid"])) return where(i, e) + "tid not an integer";
            if (!e.contains("ts") || !e["ts"].is_number()) return where(i, e) + "ts not a number";
            if (!e.contains("dur") || !e["dur"].is_number())
                return where(i, e) + "dur not a number";
            const double ts = e["ts"], dur = e["dur"];
            if (ts < 0 || dur < 0) return where(i, e) + "negative ts or dur";
            threads[{pid, e["tid"].get<int64_t>()}].push_back({ts, dur, i});
            used_processes.insert(pid);
        } else if (ph == "M") {
            if (!e.contains("name") || !e["name"].is_string()) return where(i, e) + "no name";
            const std::string name = e["name"];
            if (!e.contains("args") || !e["args"].is_object()) return where(i, e) + "no args";
            const auto& args = e["args"];
            if (name == "process_name" || name == "thread_name") {
                if (!args.contains("name") || !args["name"].is_string())
                    return where(i, e) + "args.name must be a string";
            } else if (name == "process_sort_index" || name == "thread_sort_index") {
                if (!args.contains("sort_index") || !is_int(args["sort_index"]))
                    return where(i, e) + "args.sort_index must be an integer";
            } else if (name != "process_labels") {
                return where(i, e) + "unknown metadata event";
            }
            if (name.rfind("thread_", 0) == 0) {
                if (!e.contains("tid") || !is_int(e["tid"]))
                    return where(i, e) + "tid not an integer";
                if (name == "thread_name") named_threads.insert({pid, e["tid"].get<int64_t>()});
            }
            if (name == "process_name") named_processes.insert(pid);
        } else {
            return where(i, e) + "phase " + ph + " is not one Hoard writes";
        }
    }
    for (int64_t pid : used_processes)
        if (!named_processes.count(pid)) return "process " + std::to_string(pid) + " has no name";
    constexpr double kSlack = 1e-6; // microseconds
    for (auto& [thread, spans] : threads) {
        if (!named_threads.count(thread))
            return "thread " + std::to_string(thread.second) + " has no thread_name";
        std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
            return a.ts != b.ts ? a.ts < b.ts : a.dur > b.dur;
        });
        std::vector<double> open_ends;
        for (const Span& s : spans) {
            while (!open_ends.empty() && open_ends.back() <= s.ts + kSlack) open_ends.pop_back();
            if (!open_ends.empty() && s.ts + s.dur > open_ends.back() + kSlack)
                return where(s.index, events[s.index]) + "overlaps an event on its thread " +
                       "without nesting in it";
            open_ends.push_back(s.ts + s.dur);
        }
    }
    return {};
}

} // namespace hoard::test
