#pragma once
// What each C handle stands for. The C ABI's functions reach these through
// the handle table (capi/handle_table.hpp), never through the caller's pointer.
#include "capi/handle_table.hpp"
#include "hoard/engine.hpp"
#include "hoard/generation.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace hoard::capi {

struct CancelTokenObject {
    static constexpr HandleKind kind = HandleKind::CancelToken;
    std::atomic<bool> cancelled{false};
};

struct EngineObject {
    static constexpr HandleKind kind = HandleKind::Engine;
    std::unique_ptr<Engine> engine;
};

struct ModelObject {
    static constexpr HandleKind kind = HandleKind::Model;
    std::shared_ptr<Model> model;
};

// Figures a session publishes for other threads (hoard_session_telemetry_snapshot).
struct SessionCounters {
    bool generating = false;
    uint64_t cached_tokens = 0;
    uint64_t calls = 0;
    uint64_t current_tokens = 0;
    std::chrono::steady_clock::time_point current_start{};
    double current_seconds = 0; // of the last call, once it has finished
    uint64_t total_prompt_tokens = 0;
    uint64_t total_generated_tokens = 0;
    double total_prefill_seconds = 0;
    double total_decode_seconds = 0;
    bool has_last = false;
    GenerationStats last;
};

struct SessionObject {
    static constexpr HandleKind kind = HandleKind::Session;
    std::shared_ptr<const Model> model;
    std::unique_ptr<Session> session;
    uint64_t context_size = 0;

    // Set by the call that owns the session; a second call fails with BUSY.
    std::atomic<bool> busy{false};
    // Raised by hoard_session_cancel; re-applied at every token so that a
    // cancel which arrives while the call is starting is not lost.
    std::atomic<bool> cancel_requested{false};

    mutable std::mutex counters_mutex;
    SessionCounters counters; // guarded by counters_mutex
};

} // namespace hoard::capi
