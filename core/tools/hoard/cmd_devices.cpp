// hoard devices [--json]: the GPUs Hoard finds (CUDA, and Vulkan through the
// loader when installed), or why it finds none, and the CPU with its memory.
#include "cli_common.hpp"

#include "hoard/devices.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

namespace hoard::cli {
namespace {

struct HostMemory {
    uint64_t total_bytes = 0, available_bytes = 0;
};

// MemTotal and MemAvailable from /proc/meminfo (kB); zero where unreadable.
HostMemory read_host_memory() {
    HostMemory memory;
    std::ifstream file("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (file >> key >> kib) {
        std::getline(file, unit);
        if (key == "MemTotal:") memory.total_bytes = kib * 1024;
        if (key == "MemAvailable:") memory.available_bytes = kib * 1024;
    }
    return memory;
}

std::string cpu_name() {
    std::ifstream file("/proc/cpuinfo");
    std::string line;
    while (std::getline(file, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) break;
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    }
    return "CPU";
}

std::string gib(uint64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(1ull << 30));
    return text;
}

} // namespace

void register_devices(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "devices", "List the GPUs Hoard finds (CUDA, Vulkan) with their memory, and the CPU");
    static bool json = false;
    cmd->add_flag("--json", json, "Print JSON instead of text");
    cmd->callback([] {
        const auto start = std::chrono::steady_clock::now();
        const std::vector<GpuDevice> gpus = list_gpus();
        const std::string notes = gpu_probe_notes();
        const double probe_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        const HostMemory host = read_host_memory();
        const unsigned threads = std::thread::hardware_concurrency();

        if (json) {
            nlohmann::ordered_json out;
            out["gpus"] = nlohmann::ordered_json::array();
            for (const GpuDevice& g : gpus)
                out["gpus"].push_back({{"backend", g.backend},
                                       {"name", g.name},
                                       {"total_bytes", g.total_bytes},
                                       {"free_bytes", g.free_bytes},
                                       {"memory_bytes_per_second", g.memory_bytes_per_second},
                                       {"usable_by_hoard", g.usable_by_hoard},
                                       {"detail", g.detail}});
            out["notes"] = notes;
            out["cpu"] = {{"name", cpu_name()},
                          {"threads", threads},
                          {"memory_total_bytes", host.total_bytes},
                          {"memory_available_bytes", host.available_bytes}};
            out["probe_ms"] = probe_ms;
            std::printf("%s\n", out.dump(2).c_str());
            return;
        }

        if (gpus.empty()) {
            std::printf("GPUs    none found; Hoard computes on the CPU\n");
        } else {
            std::printf("GPUs\n");
            for (size_t i = 0; i < gpus.size(); ++i) {
                const GpuDevice& g = gpus[i];
                std::printf("  [%zu] %s (%s)\n", i, g.name.c_str(),
                            g.backend == "cuda" ? "CUDA" : "Vulkan");
                std::printf("      memory  %s total, %s\n", gib(g.total_bytes).c_str(),
                            g.free_bytes ? (gib(g.free_bytes) + " free").c_str()
                                         : "free not reported");
                if (g.memory_bytes_per_second > 0)
                    std::printf("      reads   %.0f GB/s (datasheet)\n",
                                g.memory_bytes_per_second / 1e9);
                std::printf("      %s\n", g.detail.c_str());
                std::printf("      %s\n", g.usable_by_hoard
                                              ? "Hoard computes on it"
                                              : "detected; Hoard computes on CUDA or the CPU "
                                                "for now");
            }
        }
        if (!notes.empty()) std::printf("notes   %s\n", notes.c_str());
        std::printf("CPU     %s, %u threads\n", cpu_name().c_str(), threads);
        std::printf("memory  %s total, %s available\n", gib(host.total_bytes).c_str(),
                    gib(host.available_bytes).c_str());
        std::printf("probed  in %.0f ms\n", probe_ms);
    });
}

} // namespace hoard::cli
