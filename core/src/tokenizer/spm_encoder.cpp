#include "tokenizer/spm_encoder.hpp"

#include "tokenizer/utf8.hpp"

#include <queue>

namespace hoard::tokenizer {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81"; // U+2581

// A run of text in a doubly linked list; merged-away symbols get length 0.
struct Symbol {
    size_t start;
    size_t length;
    size_t prev; // npos at the ends
    size_t next;
};

constexpr size_t npos = static_cast<size_t>(-1);

struct Candidate {
    float score;
    size_t left;   // symbol index
    size_t length; // bytes of the joined string, to recognise stale entries
};

struct LowerPriority {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.score != b.score) return a.score < b.score;
        return a.left > b.left; // leftmost first on ties
    }
};

} // namespace

std::string SpmEncoder::escape_spaces(std::string_view text, bool space_prefix) {
    std::string out;
    out.reserve(text.size() + text.size() / 4 + 3);
    if (space_prefix) out += kSpaceMark;
    for (char c : text) {
        if (c == ' ') {
            out += kSpaceMark;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void SpmEncoder::encode(std::string_view text, std::vector<int32_t>& out) const {
    if (text.empty()) return;
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t len = utf8::decode(text, pos).length;
        symbols.push_back({pos, len, symbols.empty() ? npos : symbols.size() - 1, npos});
        if (symbols.size() > 1) symbols[symbols.size() - 2].next = symbols.size() - 1;
        pos += len;
    }

    std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> queue;
    auto consider = [&](size_t left, size_t right) {
        if (left == npos || right == npos) return;
        const size_t length = symbols[left].length + symbols[right].length;
        const int32_t id = vocab_.find(text.substr(symbols[left].start, length));
        if (id < 0) return;
        queue.push({vocab_.score(id), left, length});
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i) consider(i, i + 1);

    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& left = symbols[c.left];
        if (left.length == 0 || left.next == npos) continue;
        Symbol& right = symbols[left.next];
        if (left.length + right.length != c.length) continue; // one side changed since
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (left.next != npos) symbols[left.next].prev = c.left;
        consider(left.prev, c.left);
        consider(c.left, left.next);
    }

    for (size_t i = 0; i != npos; i = symbols[i].next) {
        emit_symbol(text.substr(symbols[i].start, symbols[i].length), out);
    }
}

void SpmEncoder::emit_symbol(std::string_view piece, std::vector<int32_t>& out) const {
    const int32_t id = vocab_.find(piece);
    if (id >= 0) {
        out.push_back(id);
        return;
    }
    bool all_bytes_known = true;
    for (char c : piece) all_bytes_known &= vocab_.byte_token(static_cast<uint8_t>(c)) >= 0;
    if (all_bytes_known) {
        for (char c : piece) out.push_back(vocab_.byte_token(static_cast<uint8_t>(c)));
    } else if (vocab_.unk_id() >= 0) {
        out.push_back(vocab_.unk_id()); // one unknown token stands for the whole piece
    }
}

} // namespace hoard::tokenizer
