#pragma once
// The loading flags `hoard run`, `chat` and `bench` share: the backend
// (--backend) and offloading (--vram, --ram, --policy, --precision,
// --cpu-fallback, --trace-out, ...); loading with them, and the offload
// report printed at the end.
#include "cli_common.hpp"

#include <cstdio>
#include <string>

namespace hoard::cli {

struct OffloadFlags {
    std::string vram, ram, policy = "lru", precision = "on", cpu_fallback = "on";
    std::string prefetch = "on", skip = "off", sensitivity = "off", pools = "shared";
    std::string split = "on";
    std::string low_format, cache_dir, trace_out;
    std::string backend = "auto"; // auto, cpu, cuda
    double t1 = 0.6, t2 = 0.9, link_gbps = 25, device_gbps = 0, cpu_gbps = 0;
    uint32_t prefetch_distance = 2;
    size_t cpu_threads = 0;

    bool offloading() const { return !vram.empty(); }
    // Throws hoard::Error for a bad size.
    OffloadOptions options(size_t n_ctx) const;
};

void add_offload_options(CLI::App& cmd, OffloadFlags& flags);

// Loads on the flags' backend with their offload settings (none without
// --vram), with progress on stderr, and starts recording routing when
// --trace-out is given.
Loaded load_with_offload(const std::string& path, size_t n_threads, const OffloadFlags& flags,
                         size_t n_ctx);

// Writes the routing trace (--trace-out) and prints the offload counters.
void finish_offload(const Loaded& loaded, const OffloadFlags& flags, std::FILE* out);
void print_offload_counters(const Model& model, std::FILE* out);

} // namespace hoard::cli
