#pragma once
// Settings and results of text generation, shared by the engine's public API
// and its runtime.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace hoard {

struct SamplingParams {
    float temperature = 0.8f;    // 0 or below: greedy
    int32_t top_k = 40;          // 0 = off
    float top_p = 0.95f;         // 1 = off
    float min_p = 0.05f;         // 0 = off
    float repeat_penalty = 1.1f; // 1 = off
    int32_t repeat_last_n = 64;  // recent tokens the penalty looks at (-1: all)
    uint64_t seed = 0xC0FFEE;

    static SamplingParams greedy() {
        SamplingParams p;
        p.temperature = 0.0f;
        p.repeat_penalty = 1.0f;
        return p;
    }
};

struct GenerationParams {
    int32_t max_tokens = 512; // < 0: until the context is full
    SamplingParams sampling;
    bool stop_at_end_of_generation = true;
    size_t prefill_chunk = 256; // tokens per forward pass while evaluating the prompt
};

enum class StopReason { EndOfGeneration, MaxTokens, Cancelled, ContextFull, CallbackStopped };
const char* stop_reason_name(StopReason reason);

struct GenerationStats {
    size_t prompt_tokens = 0;
    size_t reused_tokens = 0; // prompt tokens that were already in the cache
    size_t generated_tokens = 0;
    double prefill_seconds = 0;     // evaluating the prompt
    double first_token_seconds = 0; // from the call to the first generated token
    double decode_seconds = 0;      // after the first token
    StopReason stop = StopReason::MaxTokens;

    double prefill_tokens_per_second() const;
    double decode_tokens_per_second() const;
};

// Receives each generated token and its text (complete UTF-8 only: empty while
// a character is split across tokens; id -1 for text flushed at the end).
// Return false to stop.
using TokenCallback = std::function<bool(int32_t token, std::string_view text)>;

} // namespace hoard
