#include "telemetry/host_description.hpp"

#include <fstream>
#include <string>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace hoard::telemetry {
namespace {

std::string cpu_model_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        const size_t start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    }
    return {};
}

} // namespace

nlohmann::json describe_host() {
    nlohmann::json host = nlohmann::json::object();
    if (std::string cpu = cpu_model_name(); !cpu.empty()) host["cpu"] = cpu;
    if (unsigned cores = std::thread::hardware_concurrency()) host["logical_cores"] = cores;
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0)
        host["memory_bytes"] = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
    if (utsname name{}; uname(&name) == 0) {
        host["os"] = std::string(name.sysname) + " " + name.release;
        host["machine"] = name.machine;
    }
    return host;
}

} // namespace hoard::telemetry
