#pragma once
// Gathers streamed tokens on the generating thread and releases them at most
// every `interval` (15 a second by default), so the GUI thread receives a few
// coalesced snapshots a second instead of one signal per token.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hoard::gui {

class TokenCoalescer {
  public:
    using Clock = std::chrono::steady_clock;

    struct Chunk {
        std::string text;  // since the previous chunk
        size_t tokens = 0; // generated tokens since the previous chunk
        size_t total_tokens = 0;
        double seconds = 0;              // since start()
        double first_token_seconds = -1; // -1: no token yet
    };

    explicit TokenCoalescer(std::chrono::milliseconds interval = std::chrono::milliseconds(66));

    void start(Clock::time_point now);
    // One generated token and its text (possibly empty); returns a chunk when
    // the interval has passed since the last one.
    std::optional<Chunk> add(std::string_view text, bool counts_as_token, Clock::time_point now);
    // What is still held (at the end of a generation).
    std::optional<Chunk> flush(Clock::time_point now);

  private:
    Chunk take(Clock::time_point now);

    std::chrono::milliseconds interval_;
    Clock::time_point started_{}, last_release_{};
    std::string pending_;
    size_t pending_tokens_ = 0, total_tokens_ = 0;
    double first_token_seconds_ = -1;
};

} // namespace hoard::gui
