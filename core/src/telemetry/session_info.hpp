#pragma once
// What a recorded session is about (given when it begins) and what the store
// reads back about it.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace hoard::telemetry {

struct SessionInfo {
    std::string model_path;
    std::string model_name;
    // Empty: model_fingerprint(model_path), when that file can be read.
    std::string model_hash;
    // Null: describe_host(). The runtime adds GPUs and link speeds.
    nlohmann::json hardware;
    uint64_t device_budget_bytes = 0;
    uint64_t host_budget_bytes = 0;
    std::string policy;
    // Sampling, fidelity and offload settings, as the caller names them.
    nlohmann::json settings = nlohmann::json::object();
};

// One row of the sessions table.
struct SessionRecord {
    int64_t id = 0;
    double started_at = 0;          // Unix time
    std::optional<double> ended_at; // none while recording, or after a crash
    double updated_at = 0;          // last commit or heartbeat
    // recording | complete | failed | interrupted (still "recording" but
    // silent for over a minute: its process died)
    std::string status;
    std::string error;
    std::string model_path, model_name, model_hash;
    nlohmann::json hardware, settings;
    uint64_t device_budget_bytes = 0, host_budget_bytes = 0;
    std::string policy;
    double window_seconds = 0;
    uint64_t dropped_events = 0;
    uint64_t prompt_tokens = 0, generated_tokens = 0;
};

} // namespace hoard::telemetry
