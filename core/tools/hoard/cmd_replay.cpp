// hoard replay: runs a recorded routing trace against a device budget, a
// cache policy and the offload cost model, and prints one JSON object with hit
// rates, bytes moved, actions, stall time and predicted decode speed.
// (Uses the offload layer directly until the public API offers replay.)
#include "cli_common.hpp"
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "offload/byte_size.hpp"
#include "offload/trace_file.hpp"
#include "offload/trace_replay.hpp"

#include <cstdio>
#include <sstream>

namespace hoard::cli {
namespace {

using namespace hoard::offload;

bool on(const std::string& value) {
    return value == "on";
}

quant::BlockFormat format_by_name(const std::string& name) {
    for (uint32_t id = 0; id < 64; ++id)
        if (const auto info = quant::find_format(id);
            info && info->name == name && info->computable)
            return info->format;
    throw Error("unknown low-precision format '" + name + "' (for example q2_K, q3_K, q4_K, q4_0)");
}

MultiPolicyWeights parse_weights(const std::string& text) {
    std::istringstream in(text);
    double v[4];
    char comma = ',';
    for (int i = 0; i < 4; ++i)
        if (!(in >> v[i]) || (i < 3 && !(in >> comma)) || comma != ',')
            throw Error("--multi-weights takes four numbers: recency,frequency,high,distance");
    in >> std::ws;
    if (!in.eof())
        throw Error("--multi-weights takes four numbers: recency,frequency,high,distance");
    return {v[0], v[1], v[2], v[3]};
}

} // namespace

void register_replay(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "replay", "Replay a routing trace against a device budget and cache policy (prints JSON)");
    static std::string trace_path, model_path, shape_name, vram, ram, policy = "multi";
    static std::string precision = "on", cpu_fallback = "on", prefetch = "off", skip = "off";
    static std::string overlap = "on", pools = "shared", low_format, multi_weights;
    static std::string load_behind = "on", split = "off";
    static double fraction = -1, low_share = 0.25, t1 = 0.6, t2 = 0.9;
    static double link_gbps = 25, device_gbps = 900, cpu_gbps = 40, storage_gbps = 3;
    static double prefetch_confidence = 0.3, backlog_ms = 10;
    static uint32_t prefetch_distance = 2;
    static size_t n_ctx = 4096;
    static bool compact = false;
    const auto on_off = CLI::IsMember({"on", "off"});

    cmd->add_option("--trace", trace_path, "Routing trace (JSON Lines)")->required();
    auto* m = cmd->add_option("-m,--model", model_path, "GGUF model the trace came from");
    std::string shapes;
    for (const std::string& s : shape_preset_names()) shapes += (shapes.empty() ? "" : ", ") + s;
    auto* s = cmd->add_option("--shape", shape_name, "Model shape instead of a file: " + shapes);
    m->excludes(s);
    auto* v = cmd->add_option("--vram", vram, "Device memory budget, e.g. 12G (powers of 1024)");
    auto* f = cmd->add_option("--resident-fraction", fraction,
                              "Instead of --vram: share of all experts (high precision) the "
                              "device holds, 0 to 1");
    v->excludes(f);
    cmd->add_option("--ctx", n_ctx, "Context the KV cache is planned for")->capture_default_str();
    cmd->add_option("--policy", policy, "Cache policy: lru, lfu, multi, belady")
        ->capture_default_str();
    cmd->add_option("--precision", precision, "Low-precision copies (HOBBIT rule)")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--t1", t1, "Gate-weight share before an expert from which it goes low")
        ->capture_default_str();
    cmd->add_option("--t2", t2, "Share from which it is negligible (skippable)")
        ->capture_default_str();
    cmd->add_option("--low-format", low_format, "Format of low copies (default: by file bits)");
    cmd->add_option("--cpu-fallback", cpu_fallback,
                    "Compute missing experts on the CPU when faster")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--cpu-load-behind", load_behind,
                    "Also load CPU-computed experts on spare link time")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--split", split,
                    "Split CPU experts with the device, as the engine on a GPU does (then no "
                    "loads behind CPU experts or prefetches)")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--backlog-ms", backlog_ms,
                    "Most link time queued for background loads (prefetch, load behind)")
        ->capture_default_str();
    cmd->add_option("--skip", skip, "Skip negligible missing experts")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--prefetch", prefetch, "Statistical prefetch from routing history")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_option("--prefetch-distance", prefetch_distance, "Layers ahead")
        ->capture_default_str();
    cmd->add_option("--prefetch-confidence", prefetch_confidence, "Least predicted probability")
        ->capture_default_str();
    cmd->add_option("--pools", pools, "Expert pools: shared or separate")
        ->check(CLI::IsMember({"shared", "separate"}))
        ->capture_default_str();
    cmd->add_option("--low-pool-share", low_share, "Separate pools: share for low copies")
        ->capture_default_str();
    cmd->add_option("--multi-weights", multi_weights,
                    "Multi policy: recency,frequency,high,distance (default 0.25 each)");
    cmd->add_option("--ram", ram, "Host memory for experts (default: unlimited)");
    cmd->add_option("--link-gbps", link_gbps, "Host-to-device GB/s")->capture_default_str();
    cmd->add_option("--device-gbps", device_gbps, "Device expert throughput, GB/s of weights")
        ->capture_default_str();
    cmd->add_option("--cpu-gbps", cpu_gbps, "CPU expert throughput, GB/s of weights")
        ->capture_default_str();
    cmd->add_option("--storage-gbps", storage_gbps, "Storage-to-host GB/s")->capture_default_str();
    cmd->add_option("--overlap", overlap, "Loads overlap compute (separate copy queue)")
        ->check(on_off)
        ->capture_default_str();
    cmd->add_flag("--compact", compact, "Print the JSON on one line");

    cmd->callback([] {
        TraceFile file = read_trace_file(trace_path);
        std::optional<quant::BlockFormat> low;
        if (!low_format.empty()) low = format_by_name(low_format);
        OffloadShape shape;
        if (!model_path.empty())
            shape = shape_from_gguf(*gguf::GgufFile::open(model_path), low);
        else if (!shape_name.empty())
            shape = shape_preset(shape_name, low);
        else if (file.shape)
            shape = *file.shape;
        else
            throw Error("give the model (-m) or its shape (--shape): the trace does not say");

        ReplayConfig c;
        c.policy = parse_policy_kind(policy);
        if (!multi_weights.empty()) c.multi_weights = parse_weights(multi_weights);
        if (!vram.empty())
            c.budget.device_bytes = parse_byte_size(vram);
        else if (fraction >= 0)
            c.budget.resident_fraction = fraction;
        else
            throw Error("give the device budget (--vram) or --resident-fraction");
        c.budget.n_ctx = n_ctx;
        c.budget.layout = parse_pool_layout(pools);
        c.budget.low_pool_share = low_share;
        c.precision.mixed = on(precision);
        c.precision.t1 = t1;
        c.precision.t2 = t2;
        c.decision.cpu_fallback = on(cpu_fallback);
        c.decision.allow_skip = on(skip);
        c.admit_cpu_experts = on(load_behind);
        c.split_experts = on(split);
        c.background_backlog_seconds = backlog_ms * 1e-3;
        c.prefetch.enabled = on(prefetch);
        c.prefetch.distance = prefetch_distance;
        c.prefetch.min_confidence = prefetch_confidence;
        c.cost.host_to_device.bytes_per_second = link_gbps * 1e9;
        c.cost.device_bytes_per_second = device_gbps * 1e9;
        c.cost.cpu_bytes_per_second = cpu_gbps * 1e9;
        c.cost.storage_to_host.bytes_per_second = storage_gbps * 1e9;
        c.cost.overlap = on(overlap);
        if (!ram.empty()) c.host_bytes = parse_byte_size(ram);

        const ReplayReport report = replay_trace(file.trace, shape, c);
        nlohmann::json out = report_to_json(report);
        out["trace"]["file"] = trace_path;
        std::printf("%s\n", out.dump(compact ? -1 : 2).c_str());
    });
}

} // namespace hoard::cli
