#pragma once
// Finds the texts of special tokens (control, user-defined, ...) in input text:
// a byte trie scanned left to right, taking the longest token that starts at
// the leftmost possible position, so the cost is linear in the text for a
// given vocabulary.
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace hoard::tokenizer {

class Vocabulary;

class SpecialTokenMatcher {
  public:
    struct Fragment {
        int32_t token;         // -1 for plain text
        std::string_view text; // the plain text, or the token's text in the input
    };

    SpecialTokenMatcher() = default;
    explicit SpecialTokenMatcher(const Vocabulary& vocab);

    // Splits `text` into plain-text fragments and special tokens, in order.
    // Empty plain-text fragments are left out.
    void split(std::string_view text, std::vector<Fragment>& out) const;

    bool empty() const { return nodes_.size() <= 1; }

  private:
    struct Node {
        std::vector<std::pair<uint8_t, uint32_t>> children; // sorted by byte
        int32_t token = -1;
    };
    void insert(std::string_view text, int32_t token);
    uint32_t child(uint32_t node, uint8_t byte) const; // 0 when absent (the root is never a child)
    // Length of the longest token starting at `pos`, and its id.
    std::pair<size_t, int32_t> longest_at(std::string_view text, size_t pos) const;

    std::vector<Node> nodes_{Node{}};
    std::array<bool, 256> starts_{}; // bytes that begin some token
};

} // namespace hoard::tokenizer
