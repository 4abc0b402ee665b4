#include "capi/call_arguments.hpp"

namespace hoard::capi {
namespace {

// Length of the well-formed UTF-8 sequence at text[at], or 0 when it is not
// one (overlong forms, surrogates and code points past U+10FFFF included).
size_t utf8_sequence_length(std::string_view text, size_t at) {
    const auto byte = [&](size_t i) { return uint8_t(text[i]); };
    const uint8_t lead = byte(at);
    if (lead < 0x80) return 1;
    size_t length;
    uint32_t low = 0x80, high = 0xBF; // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;  // overlong
        if (lead == 0xED) high = 0x9F; // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;  // overlong
        if (lead == 0xF4) high = 0x8F; // past U+10FFFF
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    if (byte(at + 1) < low || byte(at + 1) > high) return 0;
    for (size_t i = 2; i < length; ++i)
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
    return length;
}

} // namespace

std::string_view text_argument(const char* text, size_t length, const char* name) {
    if (!text) {
        if (length == 0) return {}; // (NULL, 0) is the empty text
        fail_argument(std::string(name) + " is NULL");
    }
    const std::string_view view(text, length == HOARD_NUL_TERMINATED ? std::strlen(text) : length);
    for (size_t at = 0; at < view.size();) {
        const size_t n = utf8_sequence_length(view, at);
        if (n == 0)
            throw CapiError(HOARD_ERROR_INVALID_UTF8, std::string(name) +
                                                          " is not valid UTF-8 (at byte " +
                                                          std::to_string(at) + ")");
        at += n;
    }
    return view;
}

std::span<const int32_t> tokens_argument(const int32_t* tokens, size_t count, size_t n_vocab,
                                         const char* name) {
    if (!tokens && count > 0) fail_argument(std::string(name) + " is NULL");
    if (count == 0) return {};
    const std::span<const int32_t> span(tokens, count);
    for (size_t i = 0; i < count; ++i)
        if (span[i] < 0 || size_t(span[i]) >= n_vocab)
            fail_argument(
                std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(span[i]) +
                " is not a token of this model (vocabulary of " + std::to_string(n_vocab) + ")");
    return span;
}

std::vector<ChatMessage> messages_argument(const hoard_chat_message* messages, size_t count) {
    if (!messages && count > 0) fail_argument("messages is NULL");
    std::vector<ChatMessage> list;
    for (size_t i = 0; i < count; ++i) {
        const std::string at = "messages[" + std::to_string(i) + "]";
        const auto& m = messages[i];
        ChatMessage message;
        message.role = text_argument(m.role, m.role_len, (at + ".role").c_str());
        if (message.role.empty()) fail_argument(at + ".role is empty");
        message.content = text_argument(m.content, m.content_len, (at + ".content").c_str());
        list.push_back(std::move(message));
    }
    return list;
}

void give_text(std::string_view text, char** out_text, size_t* out_length) {
    char* memory = static_cast<char*>(std::malloc(text.size() + 1));
    if (!memory) throw std::bad_alloc();
    if (!text.empty()) std::memcpy(memory, text.data(), text.size());
    memory[text.size()] = '\0';
    *out_text = memory;
    if (out_length) *out_length = text.size();
}

} // namespace hoard::capi

extern "C" HOARD_API void hoard_free(void* memory) {
    std::free(memory);
}
