#include "tokenizer/vocabulary.hpp"

#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"

#include <algorithm>
#include <limits>

namespace hoard::tokenizer {
namespace {

const char* const kTokensKey = "tokenizer.ggml.tokens";
const char* const kScoresKey = "tokenizer.ggml.scores";
const char* const kTypesKey = "tokenizer.ggml.token_type";
const char* const kMergesKey = "tokenizer.ggml.merges";

[[noreturn]] void fail(const std::string& label, const std::string& what) {
    throw Error(label + ": " + what);
}

std::string describe_type(const gguf::Value& v) {
    if (v.is_array()) {
        return std::string("an array of ") + gguf::value_type_name(v.as_array().element_type);
    }
    return std::string("a ") + gguf::value_type_name(v.type());
}

const gguf::Value* find_array(const gguf::GgufFile& f, const std::string& key,
                              bool (*element_ok)(gguf::ValueType), const char* expected) {
    const gguf::Value* v = f.find(key);
    if (!v) return nullptr;
    if (!v->is_array() || !element_ok(v->as_array().element_type)) {
        fail(f.label(),
             "metadata '" + key + "' must be " + expected + ", found " + describe_type(*v));
    }
    return v;
}

bool is_string_type(gguf::ValueType t) {
    return t == gguf::ValueType::String;
}
bool is_float_type(gguf::ValueType t) {
    return t == gguf::ValueType::Float32 || t == gguf::ValueType::Float64;
}
bool is_integer_type(gguf::ValueType t) {
    switch (t) {
    case gguf::ValueType::UInt8:
    case gguf::ValueType::Int8:
    case gguf::ValueType::UInt16:
    case gguf::ValueType::Int16:
    case gguf::ValueType::UInt32:
    case gguf::ValueType::Int32:
    case gguf::ValueType::UInt64:
    case gguf::ValueType::Int64:
        return true;
    default:
        return false;
    }
}

std::string read_string(const gguf::GgufFile& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return {};
    if (!v->is_string())
        fail(f.label(), "metadata '" + key + "' must be a string, found " + describe_type(*v));
    return v->as_string();
}

int64_t read_id(const gguf::GgufFile& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return -1;
    if (!v->is_integer()) {
        fail(f.label(), "metadata '" + key + "' must be an integer, found " + describe_type(*v));
    }
    if (v->type() == gguf::ValueType::UInt64 && v->as_uint() > uint64_t{INT32_MAX}) {
        return std::numeric_limits<int64_t>::max(); // reported as out of range later
    }
    const int64_t id = v->as_int();
    return id < 0 ? -1 : id; // some converters write -1 for "none"
}

std::optional<bool> read_flag(const gguf::GgufFile& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return std::nullopt;
    if (v->type() != gguf::ValueType::Bool) {
        fail(f.label(), "metadata '" + key + "' must be a bool, found " + describe_type(*v));
    }
    return v->as_bool();
}

// <0xXX> -> XX, else -1.
int parse_byte_token(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
    int value = 0;
    for (size_t i = 3; i < 5; ++i) {
        const char c = text[i];
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

// Control tokens that close a turn in the chat formats of common model families.
const char* const kEndOfTurnTexts[] = {
    "<|eot_id|>",
    "<|eom_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<EOT>",
    "<|EOT|>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "<|return|>",
    "<|call|>",
};

} // namespace

VocabularyMetadata VocabularyMetadata::read(const gguf::GgufFile& f) {
    VocabularyMetadata m;
    try {
        m.model = read_string(f, "tokenizer.ggml.model");
        m.pre = read_string(f, "tokenizer.ggml.pre");
        if (const auto* v = find_array(f, kTokensKey, is_string_type, "an array of strings")) {
            m.tokens = v->as_strings();
        }
        if (const auto* v = find_array(f, kScoresKey, is_float_type, "an array of floats")) {
            m.scores = v->as_floats();
        }
        if (const auto* v = find_array(f, kTypesKey, is_integer_type, "an array of integers")) {
            m.token_types = v->as_ints();
        }
        if (const auto* v = find_array(f, kMergesKey, is_string_type, "an array of strings")) {
            m.merges = v->as_strings();
        }
        m.bos = read_id(f, "tokenizer.ggml.bos_token_id");
        m.eos = read_id(f, "tokenizer.ggml.eos_token_id");
        m.unk = read_id(f, "tokenizer.ggml.unknown_token_id");
        m.pad = read_id(f, "tokenizer.ggml.padding_token_id");
        m.eot = read_id(f, "tokenizer.ggml.eot_token_id");
        m.eom = read_id(f, "tokenizer.ggml.eom_token_id");
        m.add_bos = read_flag(f, "tokenizer.ggml.add_bos_token");
        m.add_eos = read_flag(f, "tokenizer.ggml.add_eos_token");
        m.add_space_prefix = read_flag(f, "tokenizer.ggml.add_space_prefix");
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        // Value conversions report with standard exceptions; name the file.
        fail(f.label(), std::string("unreadable tokenizer metadata: ") + e.what());
    }
    return m;
}

Vocabulary::Vocabulary(VocabularyMetadata m, const std::string& label) {
    if (m.model.empty()) {
        fail(label, "no tokenizer vocabulary (metadata 'tokenizer.ggml.model' is missing)");
    }
    if (m.model == "llama") {
        kind_ = VocabularyKind::SentencePiece;
    } else if (m.model == "gpt2") {
        kind_ = VocabularyKind::ByteLevelBpe;
    } else if (m.model == "no_vocab" || m.model == "none") {
        fail(label, "the file carries no tokenizer vocabulary (tokenizer.ggml.model is '" +
                        m.model + "')");
    } else {
        fail(label,
             "tokenizer model '" + m.model +
                 "' is not supported (supported: 'llama' SentencePiece, 'gpt2' byte-level BPE)");
    }
    pre_ = m.pre;

    if (m.tokens.empty()) {
        fail(label, std::string("the vocabulary has no tokens (metadata '") + kTokensKey +
                        "' is missing or empty)");
    }
    if (m.tokens.size() > static_cast<size_t>(INT32_MAX)) {
        fail(label, "the vocabulary has too many tokens (" + std::to_string(m.tokens.size()) + ")");
    }
    const size_t n = m.tokens.size();
    const std::string n_text = std::to_string(n);

    if (!m.scores.empty() && m.scores.size() != n) {
        fail(label, std::string("'") + kScoresKey + "' has " + std::to_string(m.scores.size()) +
                        " entries but '" + kTokensKey + "' has " + n_text);
    }
    if (kind_ == VocabularyKind::SentencePiece && m.scores.empty()) {
        fail(label, std::string("the SentencePiece vocabulary has no token scores (metadata '") +
                        kScoresKey + "' is missing)");
    }
    if (!m.token_types.empty() && m.token_types.size() != n) {
        fail(label, std::string("'") + kTypesKey + "' has " + std::to_string(m.token_types.size()) +
                        " entries but '" + kTokensKey + "' has " + n_text);
    }
    types_.assign(n, TokenType::Normal);
    for (size_t i = 0; i < m.token_types.size(); ++i) {
        const int64_t t = m.token_types[i];
        if (t < 0 || t > 6) {
            fail(label, "token " + std::to_string(i) + " has type " + std::to_string(t) + " in '" +
                            kTypesKey + "' (known types are 0 to 6)");
        }
        types_[i] = t == 0 ? TokenType::Normal : static_cast<TokenType>(t);
    }
    if (kind_ == VocabularyKind::ByteLevelBpe && m.merges.empty()) {
        fail(label, std::string("the byte-level BPE vocabulary has no merges (metadata '") +
                        kMergesKey + "' is missing or empty)");
    }

    auto check_id = [&](int64_t id, const char* key, bool required_in_range) -> int32_t {
        if (id < 0) return -1;
        if (static_cast<uint64_t>(id) >= n) {
            if (!required_in_range) return -1;
            fail(label, std::string("'tokenizer.ggml.") + key + "' is " +
                            (id == std::numeric_limits<int64_t>::max() ? std::string("too large")
                                                                       : std::to_string(id)) +
                            ", outside the vocabulary of " + n_text + " tokens");
        }
        return static_cast<int32_t>(id);
    };
    bos_ = check_id(m.bos, "bos_token_id", true);
    eos_ = check_id(m.eos, "eos_token_id", true);
    unk_ = check_id(m.unk, "unknown_token_id", true);
    eot_ = check_id(m.eot, "eot_token_id", true);
    eom_ = check_id(m.eom, "eom_token_id", true);
    pad_ = check_id(m.pad, "padding_token_id", false); // unused by the engine; tolerate junk

    const bool spm = kind_ == VocabularyKind::SentencePiece;
    add_bos_ = m.add_bos.value_or(spm);
    add_eos_ = m.add_eos.value_or(false);
    add_space_prefix_ = m.add_space_prefix.value_or(spm);

    tokens_ = std::move(m.tokens);
    scores_ = std::move(m.scores);
    merges_ = std::move(m.merges);
    index_tokens();
    find_byte_tokens();
    collect_special_ids();
}

void Vocabulary::index_tokens() {
    ids_.reserve(tokens_.size());
    for (size_t i = 0; i < tokens_.size(); ++i) {
        if (tokens_[i].empty()) continue;
        // A repeated string maps to its last id, as the reference implementation does.
        ids_[std::string_view(tokens_[i])] = static_cast<int32_t>(i);
    }
}

void Vocabulary::find_byte_tokens() {
    byte_tokens_.fill(-1);
    if (kind_ != VocabularyKind::SentencePiece) return;
    for (size_t i = 0; i < tokens_.size(); ++i) {
        if (types_[i] != TokenType::Byte && types_[i] != TokenType::Normal) continue;
        const int b = parse_byte_token(tokens_[i]);
        if (b < 0) continue;
        if (types_[i] == TokenType::Normal) {
            types_[i] = TokenType::Byte; // vocabularies written without token types
        }
        if (byte_tokens_[static_cast<size_t>(b)] < 0) {
            byte_tokens_[static_cast<size_t>(b)] = static_cast<int32_t>(i);
        }
    }
}

void Vocabulary::collect_special_ids() {
    special_flags_.assign(tokens_.size(), false);
    for (size_t i = 0; i < tokens_.size(); ++i) {
        const TokenType t = types_[i];
        const auto id = static_cast<int32_t>(i);
        const bool special = t == TokenType::Control || t == TokenType::Unknown ||
                             t == TokenType::UserDefined || id == bos_ || id == eos_ ||
                             id == eot_ || id == eom_;
        if (special && !tokens_[i].empty()) {
            special_ids_.push_back(id);
            special_flags_[i] = true;
        }
        if (t == TokenType::Control || t == TokenType::UserDefined) {
            for (const char* text : kEndOfTurnTexts) {
                if (tokens_[i] == text) eog_ids_.push_back(id);
            }
        }
    }
    for (int32_t id : {eos_, eot_, eom_}) {
        if (id >= 0) eog_ids_.push_back(id);
    }
    std::sort(eog_ids_.begin(), eog_ids_.end());
    eog_ids_.erase(std::unique(eog_ids_.begin(), eog_ids_.end()), eog_ids_.end());
}

int32_t Vocabulary::find(std::string_view text) const {
    const auto it = ids_.find(text);
    return it == ids_.end() ? -1 : it->second;
}

int Vocabulary::byte_of_token(int32_t id) const {
    if (!contains(id) || types_[static_cast<size_t>(id)] != TokenType::Byte) return -1;
    return parse_byte_token(tokens_[static_cast<size_t>(id)]);
}

} // namespace hoard::tokenizer
