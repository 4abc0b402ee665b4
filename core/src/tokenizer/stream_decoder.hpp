#pragma once
// Turns generated token ids, one at a time, into displayable text: only
// complete UTF-8 characters are emitted; a character split across tokens is
// held back until its last byte arrives.
#include <cstdint>
#include <string>

namespace hoard::tokenizer {

class Tokenizer;

class StreamDecoder {
  public:
    // render_special: control tokens appear as their text.
    // strip_space_prefix: drop the SentencePiece space prefix that encode puts
    // at the start and after special tokens, as Tokenizer::decode can (for
    // decoding a whole encoded input; generated continuations keep it).
    explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false,
                           bool strip_space_prefix = false);

    // Adds one token; returns the text that became complete with it (often
    // empty, never a partial character). Byte sequences that can never become
    // valid UTF-8 come out as U+FFFD at once. Throws hoard::Error for an id
    // outside the vocabulary.
    std::string push(int32_t id);

    // Returns what is still held back, an unfinished character as U+FFFD.
    std::string flush();

    // Everything returned so far.
    const std::string& text() const { return text_; }
    bool has_pending() const { return !pending_.empty(); }
    void reset();

  private:
    std::string emit(size_t length);

    const Tokenizer& tokenizer_;
    bool render_special_;
    bool strip_space_prefix_;
    bool after_start_or_special_ = true;
    std::string pending_;
    std::string text_;
};

} // namespace hoard::tokenizer
