#include "offload_options.hpp"

#include "hoard/error.hpp"

#include <unistd.h>

namespace hoard::cli {
namespace {

bool on(const std::string& v) {
    return v == "on";
}

} // namespace

OffloadOptions OffloadFlags::options(size_t n_ctx) const {
    OffloadOptions o;
    o.device_bytes = parse_memory_size(vram);
    o.host_bytes = ram.empty() ? 0 : parse_memory_size(ram);
    o.n_ctx = n_ctx;
    o.policy = policy;
    o.low_precision = on(precision);
    o.t1 = t1;
    o.t2 = t2;
    o.cpu_fallback = on(cpu_fallback);
    o.prefetch = on(prefetch);
    o.split_experts = on(split);
    o.prefetch_distance = prefetch_distance;
    o.allow_skip = on(skip);
    o.sensitivity = on(sensitivity);
    o.separate_pools = pools == "separate";
    o.low_format = low_format;
    o.cache_dir = cache_dir;
    o.link_gbps = link_gbps;
    o.device_gbps = device_gbps;
    o.cpu_gbps = cpu_gbps;
    o.cpu_threads = cpu_threads;
    return o;
}

static Backend backend_by_name(const std::string& name) {
    if (name == "cpu") return Backend::Cpu;
    if (name == "cuda") return Backend::Cuda;
    return Backend::Auto;
}

void add_offload_options(CLI::App& cmd, OffloadFlags& f) {
    const auto on_off = CLI::IsMember({"on", "off"});
    cmd.add_option("--backend", f.backend,
                   "Where the model runs: auto (a CUDA GPU when the model fits, else the CPU), "
                   "cpu, cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
    const char* group = "Offload (simulated device)";
    cmd.add_option("--vram", f.vram, "Device memory budget, e.g. 2G: offload the experts")
        ->group(group);
    cmd.add_option("--ram", f.ram, "Host memory budget for expert copies (default: no limit)")
        ->group(group);
    cmd.add_option("--policy", f.policy, "Expert cache policy: lru, lfu, multi")
        ->check(CLI::IsMember({"lru", "lfu", "multi"}))
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--precision", f.precision, "Low-precision copies (HOBBIT rule)")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--t1", f.t1, "Gate share from which an expert may be low precision")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--t2", f.t2, "Gate share from which an expert is negligible")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--low-format", f.low_format, "Low-precision format (default by the file's)")
        ->group(group);
    cmd.add_option("--sensitivity", f.sensitivity,
                   "Keep the most sensitive experts at a wider low format (EdgeMoE)")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--cpu-fallback", f.cpu_fallback, "Compute experts on the CPU when faster")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--cpu-threads", f.cpu_threads,
                   "Threads for CPU experts (0: all cores but two beside a GPU)")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--prefetch", f.prefetch, "Prefetch with later layers' routers")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--prefetch-distance", f.prefetch_distance, "Initial prefetch distance")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--split", f.split,
                   "Decode on a GPU: share a CPU expert's rows with the GPU over the link")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--skip", f.skip, "Skip negligible experts")
        ->check(on_off)
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--pools", f.pools, "High and low copies in a shared or separate pools")
        ->check(CLI::IsMember({"shared", "separate"}))
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--link-gbps", f.link_gbps, "Simulated link bandwidth, GB/s")
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--device-gbps", f.device_gbps, "Device expert rate for decisions (0: measure)")
        ->group(group);
    cmd.add_option("--cpu-gbps", f.cpu_gbps, "CPU expert rate for decisions (0: measure)")
        ->group(group);
    cmd.add_option("--offload-cache", f.cache_dir, "Folder for low-precision copies")->group(group);
    cmd.add_option("--trace-out", f.trace_out, "Record the routing trace (JSON Lines) here")
        ->group(group);
}

Loaded load_with_offload(const std::string& path, size_t n_threads, const OffloadFlags& flags,
                         size_t n_ctx) {
    LoadOptions options;
    options.backend = backend_by_name(flags.backend);
    if (flags.offloading()) options.offload = flags.options(n_ctx);
    Loaded loaded;
    loaded.engine = std::make_unique<Engine>(Engine::Options{n_threads});
    const bool show = isatty(STDERR_FILENO);
    loaded.model = loaded.engine->load_model(
        path,
        [show](double fraction, std::string_view stage) {
            if (show)
                std::fprintf(stderr, "\rloading: %3.0f%% %-40.*s", fraction * 100,
                             static_cast<int>(stage.size()), stage.data());
        },
        nullptr, options);
    if (show) std::fprintf(stderr, "\r%60s\r", "");
    if (const auto setup = loaded.model->offload_setup(); setup && !setup->sidecar.empty()) {
        std::fprintf(stderr, "[offload: %s; low-precision copies (%s) %s %s%s%s]\n",
                     setup->device.c_str(), setup->low_format.c_str(),
                     setup->sidecar_built ? "built into" : "reused from", setup->sidecar.c_str(),
                     setup->sidecar_rebuild_reason.empty() ? "" : ": rebuilt because ",
                     setup->sidecar_rebuild_reason.c_str());
    }
    if (!flags.trace_out.empty()) loaded.model->start_routing_trace();
    return loaded;
}

void print_offload_counters(const Model& model, std::FILE* out) {
    const OffloadCounters c = model.offload_counters();
    std::fprintf(out, "[offload] hit rate %.3f over %llu expert uses:", c.hit_rate(),
                 static_cast<unsigned long long>(c.requests()));
    for (size_t a = 0; a < c.actions.size(); ++a)
        std::fprintf(out, " %s %llu", offload_action_name(a),
                     static_cast<unsigned long long>(c.actions[a]));
    std::fprintf(out,
                 "\n[offload] to device: %s (demand high %s, low %s, prefetched %s, behind "
                 "CPU %s, split parts %s of %llu experts) in %llu copies (%llu cancelled); "
                 "storage reads %s; CPU read %s\n",
                 format_memory_size(c.bytes_to_device()).c_str(),
                 format_memory_size(c.bytes_to_device_high).c_str(),
                 format_memory_size(c.bytes_to_device_low).c_str(),
                 format_memory_size(c.bytes_prefetched).c_str(),
                 format_memory_size(c.bytes_admitted).c_str(),
                 format_memory_size(c.bytes_split).c_str(),
                 static_cast<unsigned long long>(c.split_experts),
                 static_cast<unsigned long long>(c.transfers),
                 static_cast<unsigned long long>(c.transfers_cancelled),
                 format_memory_size(c.bytes_storage_to_host).c_str(),
                 format_memory_size(c.bytes_cpu_read).c_str());
    std::fprintf(out,
                 "[offload] prefetch: %llu loads (%llu used, %llu evicted unused), "
                 "precision %.3f, recall %.3f, distance now %u\n",
                 static_cast<unsigned long long>(c.prefetch_loads),
                 static_cast<unsigned long long>(c.prefetch_loads_used),
                 static_cast<unsigned long long>(c.prefetch_loads_evicted_unused),
                 c.prefetch_precision(), c.prefetch_recall(), c.prefetch_distance);
    std::fprintf(out,
                 "[offload] decode %llu tokens at %.2f tok/s on the %s, stalls %.4f s, "
                 "evictions %llu\n",
                 static_cast<unsigned long long>(c.decode_tokens), c.decode_tokens_per_second(),
                 model.backend_name() == "cuda" ? "GPU" : "simulated device", c.stall_seconds,
                 static_cast<unsigned long long>(c.evictions));
    std::fprintf(out,
                 "[offload] device peak %s of %s; host peak %s of %s; rates: link %.1f GB/s, "
                 "device %.1f GB/s, CPU %.1f GB/s\n",
                 format_memory_size(c.device_peak).c_str(),
                 format_memory_size(c.device_capacity).c_str(),
                 format_memory_size(c.host_peak).c_str(),
                 c.host_capacity ? format_memory_size(c.host_capacity).c_str() : "no limit",
                 c.link_gbps, c.device_gbps, c.cpu_gbps);
}

void finish_offload(const Loaded& loaded, const OffloadFlags& flags, std::FILE* out) {
    if (!flags.trace_out.empty()) {
        const size_t n = loaded.model->stop_routing_trace(flags.trace_out);
        std::fprintf(out, "[routing trace of %zu tokens written to %s]\n", n,
                     flags.trace_out.c_str());
    }
    if (loaded.model->offloaded()) print_offload_counters(*loaded.model, out);
}

} // namespace hoard::cli
