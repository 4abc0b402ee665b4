#include "offload/trace_file.hpp"

#include "hoard/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <istream>
#include <map>
#include <ostream>

namespace hoard::offload {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxTokenIndex = uint64_t(1) << 31;

// One record as read, before the trace is assembled.
struct Record {
    int64_t sequence = 0;
    uint32_t token = 0;
    uint32_t layer = 0;
    uint32_t line = 0;
    uint32_t k = 0;
    size_t offset = 0; // into the flat expert and weight lists
};

class LineReader {
  public:
    LineReader(const std::string& label, size_t line) : label_(label), line_(line) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(label_ + " line " + std::to_string(line_) + ": " + what);
    }

    uint64_t whole(const json& j, const char* key, uint64_t max, bool required = true,
                   uint64_t fallback = 0) const {
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required) fail(std::string("'") + key + "' is missing");
            return fallback;
        }
        if (!it->is_number_integer() || (it->is_number_integer() && it->get<int64_t>() < 0) ||
            it->get<uint64_t>() > max)
            fail(std::string("'") + key + "' must be a whole number from 0 to " +
                 std::to_string(max));
        return it->get<uint64_t>();
    }

    const json& array(const json& j, const char* key) const {
        const auto it = j.find(key);
        if (it == j.end()) fail(std::string("'") + key + "' is missing");
        if (!it->is_array()) fail(std::string("'") + key + "' must be an array");
        return *it;
    }

  private:
    const std::string& label_;
    size_t line_;
};

struct Header {
    uint32_t n_layer = 0, n_expert = 0, top_k = 0;
    std::string model;
    std::optional<OffloadShape> shape;
};

Header read_header(const json& j, const std::string& label, size_t line) {
    const LineReader r(label, line);
    Header h;
    const auto version = j.find("version");
    if (version == j.end() || !version->is_number_integer() ||
        version->get<int64_t>() != kTraceVersion)
        r.fail("this trace is version " + (version == j.end() ? "?" : version->dump()) +
               "; Hoard reads version " + std::to_string(kTraceVersion));
    h.n_layer = uint32_t(r.whole(j, "n_layer", kMaxTraceLayers));
    h.n_expert = uint32_t(r.whole(j, "n_expert", kMaxTraceExperts));
    h.top_k = uint32_t(r.whole(j, "n_expert_used", std::min(h.n_expert, kMaxTraceTopK)));
    if (h.n_layer == 0 || h.n_expert == 0 || h.top_k == 0)
        r.fail("n_layer, n_expert and n_expert_used must not be 0");
    if (const auto it = j.find("model"); it != j.end()) {
        if (!it->is_string()) r.fail("'model' must be a string");
        h.model = it->get<std::string>();
    }
    if (const auto it = j.find("shape"); it != j.end()) {
        h.shape = shape_from_json(*it, label + " line " + std::to_string(line));
        if (h.shape->n_layer != h.n_layer || h.shape->n_expert != h.n_expert ||
            h.shape->n_expert_used != h.top_k)
            r.fail("the model shape does not match n_layer, n_expert and n_expert_used");
    }
    return h;
}

} // namespace

TraceFile parse_trace(std::istream& in, const std::string& label) {
    std::optional<Header> header;
    std::vector<Record> records;
    std::vector<uint16_t> experts;
    std::vector<float> weights;
    uint32_t top_k = 0, max_layer = 0, max_expert = 0;

    std::string text;
    size_t line = 0;
    bool first = true;
    while (std::getline(in, text)) {
        ++line;
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        const LineReader r(label, line);
        json j;
        try {
            j = json::parse(text);
        } catch (const json::parse_error&) {
            r.fail("not valid JSON");
        }
        if (!j.is_object()) r.fail("expected a JSON object");
        if (const auto it = j.find("format"); it != j.end()) {
            if (!first) r.fail("a header line may only come first");
            if (!it->is_string() || it->get<std::string>() != kTraceFormat)
                r.fail("unknown trace format " + it->dump());
            header = read_header(j, label, line);
            top_k = header->top_k;
            first = false;
            continue;
        }
        first = false;

        Record rec;
        rec.line = uint32_t(std::min<size_t>(line, UINT32_MAX));
        if (const auto it = j.find("problem_id"); it != j.end()) {
            if (!it->is_number_integer()) r.fail("'problem_id' must be a whole number");
            rec.sequence = it->get<int64_t>();
        }
        rec.token = uint32_t(r.whole(j, "token_idx", kMaxTokenIndex));
        rec.layer = uint32_t(r.whole(j, "layer", (header ? header->n_layer : kMaxTraceLayers) - 1));
        const json& ex = r.array(j, "experts");
        const json& gp = r.array(j, "gating_probs");
        if (ex.empty() || ex.size() > kMaxTraceTopK)
            r.fail("'experts' must list 1 to " + std::to_string(kMaxTraceTopK) + " experts");
        if (gp.size() != ex.size())
            r.fail("'gating_probs' has " + std::to_string(gp.size()) + " weights for " +
                   std::to_string(ex.size()) + " experts");
        if (top_k == 0) top_k = uint32_t(ex.size());
        if (ex.size() != top_k)
            r.fail(std::to_string(ex.size()) + " experts selected, but the trace selects " +
                   std::to_string(top_k) + " per token");
        rec.k = uint32_t(ex.size());
        rec.offset = experts.size();
        const uint32_t expert_limit = header ? header->n_expert : kMaxTraceExperts;
        for (size_t i = 0; i < ex.size(); ++i) {
            if (!ex[i].is_number_integer() || ex[i].get<int64_t>() < 0 ||
                ex[i].get<int64_t>() >= int64_t(expert_limit))
                r.fail("'experts' must hold expert numbers from 0 to " +
                       std::to_string(expert_limit - 1));
            if (!gp[i].is_number()) r.fail("'gating_probs' must hold numbers");
            const double w = gp[i].get<double>();
            if (!(w >= 0.0 && w <= 1e6)) r.fail("gate weights must be finite and not negative");
            for (size_t p = rec.offset; p < experts.size(); ++p)
                if (experts[p] == ex[i].get<uint16_t>())
                    r.fail("expert " + ex[i].dump() + " is selected twice");
            experts.push_back(ex[i].get<uint16_t>());
            weights.push_back(float(w));
            max_expert = std::max<uint32_t>(max_expert, experts.back());
        }
        max_layer = std::max(max_layer, rec.layer);
        records.push_back(rec);
    }
    if (in.bad()) throw Error(label + ": read failed");
    if (records.empty()) throw Error(label + ": the trace holds no routing records");

    const uint32_t n_layer = header ? header->n_layer : max_layer + 1;
    const uint32_t n_expert = header ? header->n_expert : std::max(max_expert + 1, top_k);
    TraceFile file{RoutingTrace(n_layer, n_expert, top_k), std::nullopt, header.has_value()};
    if (header) {
        file.trace.model = header->model;
        file.shape = header->shape;
    }

    // Sequences in order of first appearance; within one, tokens and layers in order.
    std::map<int64_t, size_t> order;
    for (const Record& rec : records) order.try_emplace(rec.sequence, order.size());
    std::stable_sort(records.begin(), records.end(), [&](const Record& a, const Record& b) {
        const size_t sa = order.at(a.sequence), sb = order.at(b.sequence);
        if (sa != sb) return sa < sb;
        if (a.token != b.token) return a.token < b.token;
        return a.layer < b.layer;
    });
    for (size_t begin = 0; begin < records.size();) {
        size_t end = begin;
        while (end < records.size() && records[end].sequence == records[begin].sequence) ++end;
        const uint32_t n_tokens = records[end - 1].token + 1;
        // Never size a sequence from an index alone: most of it must be recorded.
        if (uint64_t(n_tokens) * n_layer > 2 * uint64_t(end - begin) + n_layer)
            throw Error(label + ": sequence " + std::to_string(records[begin].sequence) +
                        " has token_idx up to " + std::to_string(n_tokens - 1) + " but only " +
                        std::to_string(end - begin) +
                        " records; more than half of its routing is missing");
        TraceSequence& seq = file.trace.add_sequence(records[begin].sequence);
        for (uint32_t t = 0; t < n_tokens; ++t) seq.add_token();
        for (size_t i = begin; i < end; ++i) {
            const Record& rec = records[i];
            if (i > begin && rec.token == records[i - 1].token && rec.layer == records[i - 1].layer)
                throw Error(label + " line " + std::to_string(rec.line) + ": token " +
                            std::to_string(rec.token) + ", layer " + std::to_string(rec.layer) +
                            " of sequence " + std::to_string(rec.sequence) +
                            " was already given on line " + std::to_string(records[i - 1].line));
            try {
                seq.set(rec.token, rec.layer, std::span(experts).subspan(rec.offset, rec.k),
                        std::span(weights).subspan(rec.offset, rec.k));
            } catch (const Error& e) {
                throw Error(label + " line " + std::to_string(rec.line) + ": " + e.what());
            }
        }
        begin = end;
    }
    return file;
}

TraceFile read_trace_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open the trace");
    return parse_trace(in, path.string());
}

void write_trace(std::ostream& out, const RoutingTrace& trace, const OffloadShape* shape) {
    json header = {{"format", kTraceFormat},       {"version", kTraceVersion},
                   {"model", trace.model},         {"n_layer", trace.n_layer()},
                   {"n_expert", trace.n_expert()}, {"n_expert_used", trace.top_k()}};
    if (shape) header["shape"] = shape_to_json(*shape);
    out << header.dump() << '\n';
    for (const TraceSequence& seq : trace.sequences())
        for (uint32_t t = 0; t < seq.n_tokens(); ++t)
            for (uint32_t l = 0; l < seq.n_layer(); ++l) {
                const LayerRouting r = seq.at(t, l);
                if (!r.recorded()) continue;
                json rec = {
                    {"problem_id", seq.id()},
                    {"token_idx", t},
                    {"layer", l},
                    {"experts", std::vector<uint16_t>(r.experts.begin(), r.experts.end())},
                    {"gating_probs", std::vector<float>(r.weights.begin(), r.weights.end())}};
                out << rec.dump() << '\n';
            }
}

void write_trace_file(const std::filesystem::path& path, const RoutingTrace& trace,
                      const OffloadShape* shape) {
    std::filesystem::path temporary = path;
    temporary += ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(path.string() + ": cannot write the trace");
        write_trace(out, trace, shape);
        out.flush();
        if (!out) throw Error(path.string() + ": writing the trace failed");
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        throw Error(path.string() + ": cannot write the trace");
    }
}

} // namespace hoard::offload
