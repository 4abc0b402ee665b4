#include "tokenizer/special_token_matcher.hpp"

#include "tokenizer/vocabulary.hpp"

#include <algorithm>

namespace hoard::tokenizer {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocabulary& vocab) {
    for (int32_t id : vocab.special_ids()) insert(vocab.text(id), id);
}

void SpecialTokenMatcher::insert(std::string_view text, int32_t token) {
    if (text.empty()) return;
    starts_[static_cast<uint8_t>(text[0])] = true;
    uint32_t node = 0;
    for (char c : text) {
        const auto byte = static_cast<uint8_t>(c);
        uint32_t next = child(node, byte);
        if (next == 0) {
            next = static_cast<uint32_t>(nodes_.size());
            nodes_.emplace_back();
            auto& children = nodes_[node].children;
            const auto at = std::lower_bound(
                children.begin(), children.end(), byte,
                [](const std::pair<uint8_t, uint32_t>& e, uint8_t b) { return e.first < b; });
            children.insert(at, {byte, next});
        }
        node = next;
    }
    if (nodes_[node].token < 0) nodes_[node].token = token; // first id wins for repeated texts
}

uint32_t SpecialTokenMatcher::child(uint32_t node, uint8_t byte) const {
    const auto& children = nodes_[node].children;
    const auto at = std::lower_bound(
        children.begin(), children.end(), byte,
        [](const std::pair<uint8_t, uint32_t>& e, uint8_t b) { return e.first < b; });
    return (at != children.end() && at->first == byte) ? at->second : 0;
}

std::pair<size_t, int32_t> SpecialTokenMatcher::longest_at(std::string_view text,
                                                           size_t pos) const {
    std::pair<size_t, int32_t> best{0, -1};
    uint32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
        node = child(node, static_cast<uint8_t>(text[i]));
        if (node == 0) break;
        if (nodes_[node].token >= 0) best = {i + 1 - pos, nodes_[node].token};
    }
    return best;
}

void SpecialTokenMatcher::split(std::string_view text, std::vector<Fragment>& out) const {
    size_t plain_start = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        if (!starts_[static_cast<uint8_t>(text[pos])]) {
            ++pos;
            continue;
        }
        const auto [length, token] = longest_at(text, pos);
        if (length == 0) {
            ++pos;
            continue;
        }
        if (plain_start < pos) out.push_back({-1, text.substr(plain_start, pos - plain_start)});
        out.push_back({token, text.substr(pos, length)});
        pos += length;
        plain_start = pos;
    }
    if (plain_start < text.size()) out.push_back({-1, text.substr(plain_start)});
}

} // namespace hoard::tokenizer
