#pragma once
// A fast content fingerprint of a model file, so that sessions recorded on the
// same weights can be found again even if the file was moved or renamed.
//
// "hfp1-" followed by 16 hex digits: the 64-bit FNV-1a hash of the file size
// (8 bytes, little-endian) and of the bytes read: the whole file when it is at
// most 2 MiB; otherwise its first 1 MiB (the GGUF header, metadata and tensor
// table), 16 chunks of 64 KiB at evenly spaced offsets in between, and its
// last 64 KiB. About 2 MiB is read whatever the file's size (milliseconds for
// a 50 GB model). It is not a security hash: it identifies, it does not
// protect.
#include <filesystem>
#include <string>

namespace hoard::telemetry {

// Throws hoard::Error when the file cannot be read.
std::string model_fingerprint(const std::filesystem::path& path);

} // namespace hoard::telemetry
