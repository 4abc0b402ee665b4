// libFuzzer target: any byte string must parse or be rejected with hoard::Error.
#include "gguf/gguf_file.hpp"
#include "hoard/error.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto file = hoard::gguf::GgufFile::parse({data, size}, "fuzz");
        for (const auto& [key, value] : file->metadata()) (void)value.describe();
        for (const auto& t : file->tensors()) (void)t.row_bytes();
    } catch (const hoard::Error&) {
    }
    return 0;
}
