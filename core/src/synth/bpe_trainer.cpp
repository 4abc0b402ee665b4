#include "synth/bpe_trainer.hpp"

#include "tokenizer/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

namespace hoard::synth {
namespace {

// Length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
size_t utf8_length(unsigned char lead) {
    return std::max<size_t>(1, tokenizer::utf8::sequence_length(lead));
}

enum class CharClass { Letter, Digit, Space, Other };

CharClass classify(unsigned char c) {
    if (c >= 0x80 || std::isalpha(c)) return CharClass::Letter;
    if (std::isdigit(c)) return CharClass::Digit;
    if (std::isspace(c)) return CharClass::Space;
    return CharClass::Other;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < text.size()) {
        std::string word;
        if (text[i] == ' ' && i + 1 < text.size() && classify(text[i + 1]) != CharClass::Space) {
            word += ' ';
            ++i;
        }
        const CharClass cls = classify(static_cast<unsigned char>(text[i]));
        do {
            const size_t n =
                std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
            word.append(text.substr(i, n));
            i += n;
        } while (i < text.size() && cls != CharClass::Other &&
                 classify(static_cast<unsigned char>(text[i])) == cls);
        words.push_back(std::move(word));
    }
    return words;
}

std::vector<std::string> characters(const std::string& word) {
    std::vector<std::string> out;
    for (size_t i = 0; i < word.size();) {
        const size_t n =
            std::min(utf8_length(static_cast<unsigned char>(word[i])), word.size() - i);
        out.push_back(word.substr(i, n));
        i += n;
    }
    return out;
}

} // namespace

LearnedMerges learn_merges(std::string_view text, size_t max_merges) {
    std::map<std::string, size_t> counts; // ordered: learning is deterministic
    for (std::string& w : split_words(text)) ++counts[w];
    std::vector<std::pair<std::vector<std::string>, size_t>> words;
    for (const auto& [w, n] : counts) words.emplace_back(characters(w), n);

    LearnedMerges learned;
    while (learned.merges.size() < max_merges) {
        std::map<std::pair<std::string, std::string>, size_t> pairs;
        for (const auto& [symbols, n] : words)
            for (size_t i = 0; i + 1 < symbols.size(); ++i)
                pairs[{symbols[i], symbols[i + 1]}] += n;
        const std::pair<std::string, std::string>* best = nullptr;
        size_t best_count = 1;
        for (const auto& [pair, n] : pairs)
            if (n > best_count) {
                best = &pair;
                best_count = n;
            }
        if (!best) break;
        const auto merge = *best;
        for (auto& [symbols, n] : words) {
            std::vector<std::string> merged;
            for (size_t i = 0; i < symbols.size(); ++i) {
                if (i + 1 < symbols.size() && symbols[i] == merge.first &&
                    symbols[i + 1] == merge.second) {
                    merged.push_back(merge.first + merge.second);
                    ++i;
                } else {
                    merged.push_back(symbols[i]);
                }
            }
            symbols = std::move(merged);
        }
        learned.merges.push_back(merge);
    }
    return learned;
}

} // namespace hoard::synth
