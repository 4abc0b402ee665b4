#pragma once
// Learns byte-pair merges from a text, so synthetic models get a real
// vocabulary (byte-level BPE or SentencePiece-style) without downloading one.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoard::synth {

struct LearnedMerges {
    // Merges in the order learned (rank 0 first); each side is a UTF-8 piece of
    // the training text's words (a word keeps its leading space).
    std::vector<std::pair<std::string, std::string>> merges;
};

// Splits `text` into words (letters, digits, single punctuation, each with an
// optional leading space) and learns up to `max_merges` merges that occur at
// least twice.
LearnedMerges learn_merges(std::string_view text, size_t max_merges);

} // namespace hoard::synth
