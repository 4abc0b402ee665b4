#include "hoard/generation.hpp"

namespace hoard {

const char* stop_reason_name(StopReason reason) {
    switch (reason) {
    case StopReason::EndOfGeneration:
        return "end of generation";
    case StopReason::MaxTokens:
        return "token limit";
    case StopReason::Cancelled:
        return "cancelled";
    case StopReason::ContextFull:
        return "context full";
    case StopReason::CallbackStopped:
        return "stopped";
    }
    return "unknown";
}

double GenerationStats::prefill_tokens_per_second() const {
    const size_t evaluated = prompt_tokens - reused_tokens;
    return prefill_seconds > 0 ? evaluated / prefill_seconds : 0.0;
}

double GenerationStats::decode_tokens_per_second() const {
    return decode_seconds > 0 && generated_tokens > 1 ? (generated_tokens - 1) / decode_seconds
                                                      : 0.0;
}

} // namespace hoard
