#pragma once
// What the engine reports while it generates: one plain struct per kind of
// event. Times are seconds since the session started (steady clock); a time
// of -1 means "not measured" (fields added after the first version default to
// it, so older publishers stay valid).
#include <cstdint>
#include <string>
#include <variant>

namespace hoard::telemetry {

enum class Precision : uint8_t { High, Low };
const char* precision_name(Precision precision); // "high", "low"

// What the offload planner did with one selected expert of one token.
enum class ExpertAction : uint8_t {
    HitHigh,    // resident on the device in high precision
    HitLow,     // resident on the device in low precision
    LoadHigh,   // loaded over the link in high precision
    LoadLow,    // loaded over the link in low precision
    CpuCompute, // computed on the CPU from host memory
    Skip,       // dropped (only when the user allows it)
};
const char* action_name(ExpertAction action);

enum class Link : uint8_t { HostToDevice, StorageToHost };
const char* link_name(Link link);

// One forward pass: a decode step (n_tokens 1) or a prefill chunk.
struct TokenEvent {
    uint32_t token_index = 0; // position of the pass's first token in the sequence
    uint32_t n_tokens = 1;
    bool prefill = false;
    double t_start = 0, t_end = 0;
};

struct ExpertEvent {
    uint32_t token_index = 0;
    uint16_t layer = 0;
    uint16_t expert = 0;
    float gate_weight = 0;
    ExpertAction action = ExpertAction::HitHigh;
    // When the expert ran; set for CpuCompute so the timeline can show it.
    double t_start = -1, t_end = -1;
};

struct TransferEvent {
    uint32_t token_index = 0;
    uint16_t layer = 0;
    uint16_t expert = 0;
    Precision precision = Precision::High;
    Link link = Link::HostToDevice;
    uint64_t bytes = 0;
    bool prefetch = false; // issued ahead of need by the prefetcher
    double t_start = 0, t_end = 0;
};

// Time the compute waited for a transfer or a CPU expert.
struct StallEvent {
    uint32_t token_index = 0;
    uint16_t layer = 0;
    double seconds = 0;
    double t_start = -1; // when the wait began
};

// A prefetch decision's outcome, known once the layer ran.
struct PrefetchEvent {
    uint32_t token_index = 0;
    uint16_t layer = 0;
    uint16_t expert = 0;
    bool used = false; // the expert was then selected
};

// One layer of one forward pass, for the timeline (attention, routing and
// experts together).
struct LayerEvent {
    uint32_t token_index = 0;
    uint16_t layer = 0;
    double t_start = 0, t_end = 0;
};

// New kinds go at the end so that existing publishers keep compiling.
using Event =
    std::variant<TokenEvent, ExpertEvent, TransferEvent, StallEvent, PrefetchEvent, LayerEvent>;

} // namespace hoard::telemetry
