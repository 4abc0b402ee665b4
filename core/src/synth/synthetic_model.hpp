#pragma once
// Writes a complete GGUF model of a given shape with random weights: valid
// quantized blocks with realistic scales, and the metadata conventions of the
// real model family, so that any GGUF engine can load it.
#include "gguf/gguf_writer.hpp"
#include "synth/model_shape.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace hoard::synth {

struct SynthOptions {
    std::string type = "q8_0"; // f16, q8_0, q4_k, q4_k_m
    uint64_t seed = 1;
    uint32_t n_layer_override = 0; // 0: the shape's layer count (smaller test files)
};

// Returns the file's size in bytes. Throws hoard::Error for an unknown type or a
// failed write (nothing is left behind then).
uint64_t write_synthetic_model(const ModelShape& shape, const SynthOptions& options,
                               const std::filesystem::path& path,
                               const gguf::GgufWriter::Progress& progress = {});

} // namespace hoard::synth
