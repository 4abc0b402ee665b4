// The Perfetto / Chrome trace export (JSON trace-event format).
#include "telemetry/export_support.hpp"
#include "telemetry/session_export.hpp"

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace hoard::telemetry {
namespace {

using detail::AtomicFile;

constexpr int kPid = 1;
// Each track owns a range of thread ids: base + lane.
constexpr int kTokenTid = 1;
constexpr int kLayerTid = 10;
constexpr int kHostToDeviceTid = 100;
constexpr int kStorageToHostTid = 200;
constexpr int kCpuTid = 300;
constexpr int kStallTid = 400;
constexpr size_t kMaxLanes = 64;

// Microseconds, to the nanosecond: rounding is monotonic, so events that did
// not overlap still do not.
double micros(double seconds) {
    return std::round(seconds * 1e9) / 1e3;
}

// Events on one thread must nest; concurrent ones get their own lane.
class Lanes {
  public:
    Lanes(int base_tid, std::string name) : base_(base_tid), name_(std::move(name)) {}

    // Decided on the written (rounded) times, so that events that merely
    // touch, such as consecutive layers, share a lane.
    int place(double t_start_seconds, double t_end_seconds) {
        const double t_start = micros(t_start_seconds), t_end = micros(t_end_seconds);
        for (size_t i = 0; i < ends_.size(); ++i) {
            if (ends_[i] <= t_start) {
                ends_[i] = t_end;
                return base_ + int(i);
            }
        }
        if (ends_.size() < kMaxLanes) {
            ends_.push_back(t_end);
            return base_ + int(ends_.size() - 1);
        }
        // More overlap than lanes: the least busy lane, clipped by the viewer.
        size_t earliest = 0;
        for (size_t i = 1; i < ends_.size(); ++i)
            if (ends_[i] < ends_[earliest]) earliest = i;
        ends_[earliest] = std::max(ends_[earliest], t_end);
        return base_ + int(earliest);
    }

    void write_metadata(std::ostream& out, bool& first, int sort_base) const {
        for (size_t i = 0; i < ends_.size(); ++i) {
            const std::string name =
                ends_.size() > 1 ? name_ + " #" + std::to_string(i + 1) : name_;
            write_thread(out, first, base_ + int(i), name, sort_base + int(i));
        }
    }

    static void write_thread(std::ostream& out, bool& first, int tid, const std::string& name,
                             int sort_index) {
        nlohmann::json thread_name = {{"ph", "M"},
                                      {"name", "thread_name"},
                                      {"pid", kPid},
                                      {"tid", tid},
                                      {"args", {{"name", name}}}};
        nlohmann::json sort = {{"ph", "M"},
                               {"name", "thread_sort_index"},
                               {"pid", kPid},
                               {"tid", tid},
                               {"args", {{"sort_index", sort_index}}}};
        out << (first ? "\n" : ",\n") << thread_name.dump() << ",\n" << sort.dump();
        first = false;
    }

  private:
    int base_;
    std::string name_;
    std::vector<double> ends_; // when each lane's last event ends
};

void write_complete(std::ostream& out, bool& first, const std::string& name, const char* category,
                    int tid, double t_start, double t_end, nlohmann::json args) {
    const double ts = micros(t_start);
    const double dur = std::max(0.0, std::round((micros(t_end) - ts) * 1e3) / 1e3);
    nlohmann::json event = {
        {"ph", "X"},  {"name", name}, {"cat", category}, {"pid", kPid},
        {"tid", tid}, {"ts", ts},     {"dur", dur},      {"args", std::move(args)}};
    out << (first ? "\n" : ",\n") << event.dump();
    first = false;
}

std::string layer_expert(int64_t layer, int64_t expert) {
    return "L" + std::to_string(layer) + " E" + std::to_string(expert);
}

} // namespace

void export_perfetto(const ProfileStore& store, int64_t session_id,
                     const std::filesystem::path& file) {
    store.with_database([&](Database& db) {
        detail::ReadSnapshot snapshot(db);
        detail::require_session(db, session_id);
        std::string title = "Hoard session " + std::to_string(session_id);
        {
            Statement s = db.prepare("SELECT model_name, model_path FROM sessions WHERE id = ?1");
            s.bind(1, session_id);
            if (s.step()) {
                const std::string name =
                    s.column_text(0).empty() ? s.column_text(1) : s.column_text(0);
                if (!name.empty()) title += ": " + name;
            }
        }
        AtomicFile file_out(file);
        std::ostream& out = file_out.out();
        out << "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"hoard\",\"session\":"
            << session_id << "},\n\"traceEvents\":[";
        bool first = true;

        Lanes tokens(kTokenTid, "tokens"), layers(kLayerTid, "layers");
        Lanes host_to_device(kHostToDeviceTid, "loads host-to-device");
        Lanes storage_to_host(kStorageToHostTid, "reads storage-to-host");
        Lanes cpu(kCpuTid, "CPU experts"), stalls(kStallTid, "stalls");

        Statement t = db.prepare("SELECT token_index, n_tokens, prefill, t_start, t_end FROM "
                                 "tokens WHERE session_id = ?1 ORDER BY t_start, rowid");
        t.bind(1, session_id);
        while (t.step()) {
            const int64_t index = t.column_int64(0), n = t.column_int64(1);
            const bool prefill = t.column_int64(2) != 0;
            const double t0 = t.column_double(3), t1 = t.column_double(4);
            const std::string name = prefill
                                         ? "prefill " + std::to_string(index) + "-" +
                                               std::to_string(index + std::max<int64_t>(n, 1) - 1)
                                         : "token " + std::to_string(index);
            write_complete(out, first, name, prefill ? "prefill" : "decode", tokens.place(t0, t1),
                           t0, t1, {{"token_index", index}, {"n_tokens", n}});
        }

        Statement x = db.prepare("SELECT token_index, layer, expert, precision, link, bytes, "
                                 "prefetch, t_start, t_end FROM transfers WHERE session_id = ?1 "
                                 "ORDER BY t_start, rowid");
        x.bind(1, session_id);
        while (x.step()) {
            const int64_t layer = x.column_int64(1), expert = x.column_int64(2);
            const std::string precision = x.column_text(3), link = x.column_text(4);
            const double t0 = x.column_double(7), t1 = x.column_double(8);
            const bool to_device = link == "host_to_device";
            Lanes& lanes = to_device ? host_to_device : storage_to_host;
            write_complete(out, first,
                           std::string(to_device ? "load " : "read ") +
                               layer_expert(layer, expert) + " " + precision,
                           "load", lanes.place(t0, t1), t0, t1,
                           {{"token_index", x.column_int64(0)},
                            {"layer", layer},
                            {"expert", expert},
                            {"precision", precision},
                            {"link", link},
                            {"bytes", x.column_int64(5)},
                            {"prefetch", x.column_int64(6) != 0}});
        }

        Statement s = db.prepare("SELECT kind, token_index, layer, expert, t_start, t_end FROM "
                                 "spans WHERE session_id = ?1 ORDER BY t_start, rowid");
        s.bind(1, session_id);
        while (s.step()) {
            const std::string kind = s.column_text(0);
            const int64_t token = s.column_int64(1), layer = s.column_int64(2);
            const double t0 = s.column_double(4), t1 = s.column_double(5);
            nlohmann::json args = {{"token_index", token}, {"layer", layer}};
            if (kind == "layer") {
                write_complete(out, first, "layer " + std::to_string(layer), "layer",
                               layers.place(t0, t1), t0, t1, std::move(args));
            } else if (kind == "cpu_expert") {
                const int64_t expert = s.column_int64(3);
                args["expert"] = expert;
                write_complete(out, first, "cpu " + layer_expert(layer, expert), "cpu_expert",
                               cpu.place(t0, t1), t0, t1, std::move(args));
            } else {
                write_complete(out, first, "stall L" + std::to_string(layer), "stall",
                               stalls.place(t0, t1), t0, t1, std::move(args));
            }
        }

        nlohmann::json process = {{"ph", "M"},
                                  {"name", "process_name"},
                                  {"pid", kPid},
                                  {"tid", 0},
                                  {"args", {{"name", title}}}};
        out << (first ? "\n" : ",\n") << process.dump();
        first = false;
        tokens.write_metadata(out, first, 0);
        layers.write_metadata(out, first, 100);
        host_to_device.write_metadata(out, first, 200);
        storage_to_host.write_metadata(out, first, 300);
        cpu.write_metadata(out, first, 400);
        stalls.write_metadata(out, first, 500);
        out << "]}\n";
        file_out.commit();
    });
}

} // namespace hoard::telemetry
