#include "chat/token_coalescer.hpp"

namespace hoard::gui {

TokenCoalescer::TokenCoalescer(std::chrono::milliseconds interval) : interval_(interval) {}

void TokenCoalescer::start(Clock::time_point now) {
    started_ = last_release_ = now;
    pending_.clear();
    pending_tokens_ = total_tokens_ = 0;
    first_token_seconds_ = -1;
}

std::optional<TokenCoalescer::Chunk>
TokenCoalescer::add(std::string_view text, bool counts_as_token, Clock::time_point now) {
    pending_.append(text);
    if (counts_as_token) {
        ++pending_tokens_;
        ++total_tokens_;
        if (first_token_seconds_ < 0)
            first_token_seconds_ = std::chrono::duration<double>(now - started_).count();
    }
    // The first token goes out at once: time to first token is what users feel.
    const bool first = counts_as_token && total_tokens_ == 1;
    if (!first && now - last_release_ < interval_) return std::nullopt;
    return take(now);
}

std::optional<TokenCoalescer::Chunk> TokenCoalescer::flush(Clock::time_point now) {
    if (pending_.empty() && pending_tokens_ == 0) return std::nullopt;
    return take(now);
}

TokenCoalescer::Chunk TokenCoalescer::take(Clock::time_point now) {
    Chunk chunk;
    chunk.text = std::move(pending_);
    pending_.clear();
    chunk.tokens = pending_tokens_;
    chunk.total_tokens = total_tokens_;
    chunk.seconds = std::chrono::duration<double>(now - started_).count();
    chunk.first_token_seconds = first_token_seconds_;
    pending_tokens_ = 0;
    last_release_ = now;
    return chunk;
}

} // namespace hoard::gui
