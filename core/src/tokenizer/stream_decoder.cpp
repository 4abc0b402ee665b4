#include "tokenizer/stream_decoder.hpp"

#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

namespace hoard::tokenizer {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool render_special,
                             bool strip_space_prefix)
    : tokenizer_(tokenizer), render_special_(render_special),
      strip_space_prefix_(strip_space_prefix && tokenizer.adds_space_prefix()) {}

std::string StreamDecoder::push(int32_t id) {
    std::string piece = tokenizer_.token_to_piece(id, render_special_);
    if (tokenizer_.is_special(id)) {
        after_start_or_special_ = true;
    } else if (!piece.empty()) {
        if (strip_space_prefix_ && after_start_or_special_ && piece.front() == ' ')
            piece.erase(0, 1);
        after_start_or_special_ = false;
    }
    pending_ += piece;
    return emit(utf8::complete_prefix_length(pending_));
}

std::string StreamDecoder::flush() {
    return emit(pending_.size());
}

std::string StreamDecoder::emit(size_t length) {
    if (length == 0) return {};
    std::string out = utf8::to_valid(std::string_view(pending_).substr(0, length));
    pending_.erase(0, length);
    text_ += out;
    return out;
}

void StreamDecoder::reset() {
    after_start_or_special_ = true;
    pending_.clear();
    text_.clear();
}

} // namespace hoard::tokenizer
