#pragma once
// Byte-level BPE: a pre-split word, written in the byte alphabet, starts as one
// symbol per character; the adjacent pair with the lowest merge rank is joined
// (leftmost on ties) until no listed merge applies.
#include "tokenizer/vocabulary.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hoard::tokenizer {

class BpeEncoder {
  public:
    // Builds the merge table from vocab.merges(); throws hoard::Error naming
    // `label` for a malformed merge or one that names an unknown token.
    BpeEncoder(const Vocabulary& vocab, const std::string& label);

    // Appends the tokens of one word given in the byte alphabet. With
    // `whole_word_first`, a word that is itself a token is taken as it is.
    // A byte whose alphabet character the vocabulary lacks (Falcon has no
    // token for a few control bytes) becomes the unknown token, or nothing.
    void encode_word(std::string_view word, bool whole_word_first, std::vector<int32_t>& out) const;

    size_t merge_count() const { return merges_.size(); }

  private:
    struct Merge {
        int32_t rank;
        int32_t result; // token id of the joined string
    };
    static uint64_t key(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }
    const Merge* find_merge(int32_t left, int32_t right) const;

    const Vocabulary& vocab_;
    std::unordered_map<uint64_t, Merge> merges_;
};

} // namespace hoard::tokenizer
