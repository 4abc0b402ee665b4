#pragma once
// Checking and converting what callers pass in (text, tokens, extensible
// structs) and allocating what the C ABI hands back (freed with hoard_free).
#include "capi/status_boundary.hpp"
#include "hoard/engine.hpp"
#include "hoard/hoard.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::capi {

// Text given as (pointer, length or HOARD_NUL_TERMINATED); throws
// HOARD_ERROR_INVALID_UTF8 for bytes that are not UTF-8.
std::string_view text_argument(const char* text, size_t length, const char* name);

// Tokens that must each lie in [0, n_vocab).
std::span<const int32_t> tokens_argument(const int32_t* tokens, size_t count, size_t n_vocab,
                                         const char* name);

std::vector<ChatMessage> messages_argument(const hoard_chat_message* messages, size_t count);

// hoard_load_options.offload as the engine's settings; none for NULL
// (offload_functions.cpp).
std::optional<OffloadOptions> offload_options_argument(const hoard_offload_options* options);

// Results handed to the caller, allocated with malloc; never NULL.
void give_text(std::string_view text, char** out_text, size_t* out_length);
template <class T> void give_array(std::span<const T> values, T** out, size_t* out_count) {
    void* memory = std::malloc(std::max<size_t>(values.size_bytes(), 1));
    if (!memory) throw std::bad_alloc();
    if (!values.empty()) std::memcpy(memory, values.data(), values.size_bytes());
    *out = static_cast<T*>(memory);
    if (out_count) *out_count = values.size();
}

// Extensible structs (see hoard.h): the first version's size is the least a
// caller may pass. When a struct grows, pin its entry here to the old size.
template <class T> constexpr size_t first_version_size = sizeof(T);
// Version 1 of hoard_load_options ended before the offload pointer.
template <>
constexpr size_t first_version_size<hoard_load_options> = offsetof(hoard_load_options, offload);

// An options struct going in: the caller's fields over the defaults.
template <class T> T read_extensible(const T* in, const T& defaults, const char* name) {
    if (!in) return defaults;
    if (in->struct_size < first_version_size<T>)
        fail_argument(std::string(name) + "->struct_size is " + std::to_string(in->struct_size) +
                      ", less than any version of the struct (use its *_init function)");
    T value = defaults;
    std::memcpy(&value, in, std::min<size_t>(in->struct_size, sizeof(T)));
    value.struct_size = sizeof(T);
    return value;
}

// A result struct coming out: checked before the work, written after it.
template <class T> void check_result_struct(const T* out, const char* name) {
    if (!out) fail_argument(std::string(name) + " is NULL");
    if (out->struct_size < first_version_size<T>)
        fail_argument(std::string(name) + "->struct_size is " + std::to_string(out->struct_size) +
                      "; set it to sizeof the struct before the call");
}
template <class T> void write_extensible(T* out, T value) {
    const size_t size = std::min<size_t>(out->struct_size, sizeof(T));
    value.struct_size = uint32_t(size);
    std::memcpy(out, &value, size);
}

// *_init: defaults into a caller's struct of `struct_size` bytes; bytes past
// what this library knows are zeroed.
template <class T>
void init_extensible(T* out, uint32_t struct_size, const T& defaults, const char* name) {
    if (!out) fail_argument(std::string(name) + " is NULL");
    if (struct_size < first_version_size<T>)
        fail_argument("struct_size " + std::to_string(struct_size) +
                      " is less than any version of " + name + "'s struct");
    std::memset(static_cast<void*>(out), 0, struct_size);
    T value = defaults;
    value.struct_size = struct_size;
    std::memcpy(out, &value, std::min<size_t>(struct_size, sizeof(T)));
}

} // namespace hoard::capi
