#pragma once
// Routing traces as JSON Lines. One object per line for each token and layer:
//   {"problem_id": 0, "token_idx": 5, "layer": 3, "experts": [6, 5],
//    "gating_probs": [0.69, 0.31]}
// problem_id names the sequence (different ids are independent sequences;
// absent means 0), token_idx is the position in it, experts are the selected
// experts and gating_probs their gate weights. Other fields are ignored, so
// traces recorded elsewhere with these names read as they are.
// Hoard's own files start with a header line:
//   {"format": "hoard-routing-trace", "version": 1, "model": "...",
//    "n_layer": 32, "n_expert": 8, "n_expert_used": 2, "shape": {...}}
// where "shape" (optional) is the model's OffloadShape, so a trace can be
// replayed without the model. (token, layer) pairs may be missing (recorders
// drop some at the end of a sequence); they are kept as unrecorded.
#include "offload/offload_shape.hpp"
#include "offload/routing_trace.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace hoard::offload {

inline constexpr const char* kTraceFormat = "hoard-routing-trace";
inline constexpr int kTraceVersion = 1;

struct TraceFile {
    RoutingTrace trace;
    std::optional<OffloadShape> shape; // from the header, when it has one
    bool has_header = false;
};

// Throws hoard::Error naming `label` and the line of any malformed record.
TraceFile parse_trace(std::istream& in, const std::string& label);
TraceFile read_trace_file(const std::filesystem::path& path);

void write_trace(std::ostream& out, const RoutingTrace& trace, const OffloadShape* shape = nullptr);
// Writes next to `path` and renames, so a reader never sees half a file.
void write_trace_file(const std::filesystem::path& path, const RoutingTrace& trace,
                      const OffloadShape* shape = nullptr);

} // namespace hoard::offload
