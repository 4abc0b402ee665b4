#pragma once
// What the public profiling handles hold (see hoard/profiling.hpp).
#include "hoard/profiling.hpp"
#include "telemetry/profile_store.hpp"
#include "telemetry/session_info.hpp"

#include <memory>
#include <string>

namespace hoard {

struct ProfileStore::Impl {
    explicit Impl(telemetry::ProfileStore s) : store(std::move(s)) {}
    telemetry::ProfileStore store;
};

struct Recording::Impl {
    std::shared_ptr<const Model> model; // keeps the bus alive while recording
    telemetry::Recorder recorder;
    std::filesystem::path database;
    std::string start_error; // why it could not start

    static Recording make(std::unique_ptr<Impl> impl);
};

namespace api {

// The session row's description of `model` recorded with `options`: path,
// name, hash (left to the store), host and device, budgets, policy and
// settings (engine, threads, sampling, offload options).
telemetry::SessionInfo session_info(const Model& model, const RecordingOptions& options);

} // namespace api
} // namespace hoard
