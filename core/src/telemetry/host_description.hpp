#pragma once
// A description of the machine a session ran on, for the session record when
// the caller has nothing better (the runtime adds its GPUs and link speeds).
#include <nlohmann/json.hpp>

namespace hoard::telemetry {

// {"cpu": model name, "logical_cores": n, "memory_bytes": total RAM,
//  "os": "Linux 6.1.0", "machine": "x86_64"}; fields that cannot be read are
// left out.
nlohmann::json describe_host();

} // namespace hoard::telemetry
