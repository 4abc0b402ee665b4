#include "tokenizer/tokenizer.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"
#include "tokenizer/bpe_encoder.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/special_token_matcher.hpp"
#include "tokenizer/spm_encoder.hpp"

#include <algorithm>

namespace hoard::tokenizer {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81"; // U+2581, SentencePiece's space

void append_unescaped(std::string& out, std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t mark = text.find(kSpaceMark, pos);
        if (mark == std::string_view::npos) {
            out.append(text.substr(pos));
            return;
        }
        out.append(text.substr(pos, mark - pos));
        out.push_back(' ');
        pos = mark + kSpaceMark.size();
    }
}

} // namespace

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
    return from_metadata(VocabularyMetadata::read(file), file.label());
}

std::unique_ptr<Tokenizer> Tokenizer::from_metadata(VocabularyMetadata metadata,
                                                    const std::string& label) {
    std::unique_ptr<Tokenizer> t(new Tokenizer());
    t->label_ = label;
    t->vocab_ = std::make_unique<Vocabulary>(std::move(metadata), label);
    if (t->vocab_->kind() == VocabularyKind::SentencePiece) {
        t->spm_ = std::make_unique<SpmEncoder>(*t->vocab_);
    } else {
        t->pre_ = std::make_unique<PreTokenizer>(
            PreTokenizer::for_name(t->vocab_->pre_tokenizer(), label));
        t->bpe_ = std::make_unique<BpeEncoder>(*t->vocab_, label);
    }
    t->specials_ = std::make_unique<SpecialTokenMatcher>(*t->vocab_);
    return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (add_special && vocab_->add_bos() && vocab_->bos_id() >= 0) out.push_back(vocab_->bos_id());

    std::vector<SpecialTokenMatcher::Fragment> fragments;
    if (parse_special) {
        specials_->split(text, fragments);
    } else if (!text.empty()) {
        fragments.push_back({-1, text});
    }
    // SentencePiece puts its space prefix before text that opens the input or
    // follows a special token.
    bool after_start_or_special = true;
    for (const auto& f : fragments) {
        if (f.token >= 0) {
            out.push_back(f.token);
            after_start_or_special = true;
        } else {
            encode_plain(f.text, after_start_or_special, out);
            after_start_or_special = false;
        }
    }

    if (add_special && vocab_->add_eos() && vocab_->eos_id() >= 0) out.push_back(vocab_->eos_id());
    return out;
}

void Tokenizer::encode_plain(std::string_view text, bool after_start_or_special,
                             std::vector<int32_t>& out) const {
    if (spm_) {
        const bool prefix = vocab_->add_space_prefix() && after_start_or_special;
        spm_->encode(SpmEncoder::escape_spaces(text, prefix), out);
        return;
    }
    std::vector<std::string_view> pieces;
    pre_->split(text, pieces);
    std::string word;
    for (std::string_view piece : pieces) {
        word.clear();
        byte_level::append_encoded(word, piece);
        bpe_->encode_word(word, pre_->whole_word_first(), out);
    }
}

void Tokenizer::check_id(int32_t id) const {
    if (!vocab_->contains(id)) {
        throw Error(label_ + ": token id " + std::to_string(id) + " is outside the vocabulary of " +
                    std::to_string(vocab_->size()) + " tokens");
    }
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
    check_id(id);
    const std::string& text = vocab_->text(id);
    std::string out;
    switch (vocab_->type(id)) {
    case TokenType::Control:
    case TokenType::Unknown:
        if (render_special) out = text;
        break;
    case TokenType::Unused:
        break;
    case TokenType::Byte: {
        const int b = vocab_->byte_of_token(id);
        if (b >= 0) {
            out.push_back(static_cast<char>(b));
        } else {
            out = text;
        }
        break;
    }
    case TokenType::UserDefined:
        // Added tokens are literal text (they are matched on raw input too).
        if (spm_) {
            append_unescaped(out, text);
        } else {
            out = text;
        }
        break;
    case TokenType::Normal:
    case TokenType::Undefined:
        if (spm_) {
            append_unescaped(out, text);
        } else {
            byte_level::append_decoded(out, text);
        }
        break;
    }
    return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, DecodeOptions options) const {
    const bool strip = options.strip_space_prefix && adds_space_prefix();
    bool after_start_or_special = true;
    std::string out;
    for (int32_t id : ids) {
        std::string piece = token_to_piece(id, options.render_special);
        if (vocab_->is_special(id)) {
            after_start_or_special = true;
        } else if (!piece.empty()) {
            // Undo the space prefix encode() put before this text.
            if (strip && after_start_or_special && piece.front() == ' ') piece.erase(0, 1);
            after_start_or_special = false;
        }
        out += piece;
    }
    return out;
}

int32_t Tokenizer::bos_id() const {
    return vocab_->bos_id();
}
int32_t Tokenizer::eos_id() const {
    return vocab_->eos_id();
}
int32_t Tokenizer::eot_id() const {
    return vocab_->eot_id();
}
int32_t Tokenizer::unk_id() const {
    return vocab_->unk_id();
}
int32_t Tokenizer::pad_id() const {
    return vocab_->pad_id();
}
bool Tokenizer::adds_bos() const {
    return vocab_->add_bos() && vocab_->bos_id() >= 0;
}
bool Tokenizer::adds_eos() const {
    return vocab_->add_eos() && vocab_->eos_id() >= 0;
}
bool Tokenizer::adds_space_prefix() const {
    return spm_ && vocab_->add_space_prefix();
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
    const auto& ids = vocab_->end_of_generation_ids();
    return std::binary_search(ids.begin(), ids.end(), id);
}

const std::vector<int32_t>& Tokenizer::end_of_generation_ids() const {
    return vocab_->end_of_generation_ids();
}

const std::string& Tokenizer::token_text(int32_t id) const {
    check_id(id);
    return vocab_->text(id);
}

TokenType Tokenizer::token_type(int32_t id) const {
    check_id(id);
    return vocab_->type(id);
}

bool Tokenizer::is_special(int32_t id) const {
    return vocab_->is_special(id);
}

int32_t Tokenizer::find_token(std::string_view text) const {
    return vocab_->find(text);
}
size_t Tokenizer::n_vocab() const {
    return vocab_->size();
}
VocabularyKind Tokenizer::kind() const {
    return vocab_->kind();
}

const std::string& Tokenizer::pre_tokenizer_name() const {
    return pre_ ? pre_->name() : vocab_->pre_tokenizer();
}

} // namespace hoard::tokenizer
