#include "tokenizer/bpe_encoder.hpp"

#include "hoard/error.hpp"
#include "tokenizer/utf8.hpp"

#include <queue>

namespace hoard::tokenizer {
namespace {

constexpr size_t npos = static_cast<size_t>(-1);

struct Symbol {
    int32_t id; // -1: a character the vocabulary lacks
    size_t start;
    size_t length;
    size_t prev;
    size_t next;
};

struct Candidate {
    int32_t rank;
    size_t left;
    size_t right;
    int32_t left_id; // the ids when queued, to recognise stale entries
    int32_t right_id;
};

struct LowerPriority {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.rank != b.rank) return a.rank > b.rank; // lowest rank first
        return a.left > b.left;                       // then leftmost
    }
};

std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('\'');
    out.append(s);
    out.push_back('\'');
    return out;
}

} // namespace

BpeEncoder::BpeEncoder(const Vocabulary& vocab, const std::string& label) : vocab_(vocab) {
    const auto& merges = vocab.merges();
    merges_.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const std::string& m = merges[rank];
        // Split at the first space after the first character, so that a left part
        // can never be empty.
        const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
        const std::string where = "merge " + std::to_string(rank) + " " + quoted(m);
        if (space == std::string::npos || space + 1 >= m.size()) {
            throw Error(label + ": " + where +
                        " in 'tokenizer.ggml.merges' is not two tokens separated by a space");
        }
        const std::string_view left(m.data(), space);
        const std::string_view right(m.data() + space + 1, m.size() - space - 1);
        const int32_t left_id = vocab.find(left);
        const int32_t right_id = vocab.find(right);
        if (left_id < 0 || right_id < 0) {
            throw Error(label + ": " + where + " in 'tokenizer.ggml.merges' refers to " +
                        quoted(left_id < 0 ? left : right) + ", which is not in the vocabulary");
        }
        const int32_t result = vocab.find(std::string(left) + std::string(right));
        if (result < 0) continue; // joining would make no token; such a merge never applies
        merges_.try_emplace(key(left_id, right_id), Merge{static_cast<int32_t>(rank), result});
    }
}

const BpeEncoder::Merge* BpeEncoder::find_merge(int32_t left, int32_t right) const {
    if (left < 0 || right < 0) return nullptr;
    const auto it = merges_.find(key(left, right));
    return it == merges_.end() ? nullptr : &it->second;
}

void BpeEncoder::encode_word(std::string_view word, bool whole_word_first,
                             std::vector<int32_t>& out) const {
    if (word.empty()) return;
    if (whole_word_first) {
        const int32_t id = vocab_.find(word);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (size_t pos = 0; pos < word.size();) {
        const size_t len = utf8::decode(word, pos).length;
        const size_t index = symbols.size();
        symbols.push_back(
            {vocab_.find(word.substr(pos, len)), pos, len, index == 0 ? npos : index - 1, npos});
        if (index > 0) symbols[index - 1].next = index;
        pos += len;
    }

    std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue;
    auto consider = [&](size_t left, size_t right) {
        if (left == npos || right == npos) return;
        if (const Merge* m = find_merge(symbols[left].id, symbols[right].id)) {
            queue.push({m->rank, left, right, symbols[left].id, symbols[right].id});
        }
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i) consider(i, i + 1);

    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& left = symbols[c.left];
        if (left.length == 0 || left.next != c.right || left.id != c.left_id) continue;
        Symbol& right = symbols[c.right];
        if (right.id != c.right_id) continue;
        left.id = find_merge(left.id, right.id)->result;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (left.next != npos) symbols[left.next].prev = c.left;
        consider(left.prev, c.left);
        consider(c.left, left.next);
    }

    for (size_t i = 0; i != npos; i = symbols[i].next) {
        if (symbols[i].id >= 0) {
            out.push_back(symbols[i].id);
        } else if (vocab_.unk_id() >= 0) {
            out.push_back(vocab_.unk_id());
        }
    }
}

} // namespace hoard::tokenizer
