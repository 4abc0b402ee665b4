#pragma once
// The low-precision copies of a model's experts, made once by Hoard's own
// quantizer and kept in a sidecar file in the user's cache folder, so later
// loads only read them.
//
// File layout (little-endian): a 128-byte header (magic "HOARDLP1", format
// version, the model file's size, modification time and content hash, a hash
// of what the copies are (formats, sensitivity settings), layer and expert
// counts, where the table and the data are, the table's checksum, and the
// header's own checksum); a table with, per expert, the format and shape of
// its three matrices, where they are in the file, and the checksum of its
// bytes; then the data. Anything that does not match (another model, another
// version or recipe, a damaged header, table or block) makes the sidecar
// stale: it is rebuilt, and the reason is reported.
//
// The model's content hash is only recomputed when its size or modification
// time differ from the header's (so a moved copy is rehashed once and a
// changed file is always caught; a file rewritten in place with its old
// modification time forged back is not).
#include "offload/expert_layout.hpp"
#include "quant/block_format.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hoard::offload {

inline constexpr uint32_t kSidecarVersion = 1;

using BuildProgress = std::function<void(double fraction, std::string_view stage)>;

// The model file a sidecar belongs to; its content hash is computed on demand.
class ModelIdentity {
  public:
    explicit ModelIdentity(std::filesystem::path path);
    const std::filesystem::path& path() const { return path_; }
    uint64_t size() const { return size_; }
    int64_t mtime_ns() const { return mtime_ns_; }
    uint64_t content_hash(const BuildProgress& progress = {});
    bool hashed() const { return hash_.has_value(); }

  private:
    std::filesystem::path path_;
    uint64_t size_ = 0;
    int64_t mtime_ns_ = 0;
    std::optional<uint64_t> hash_;
};

// Makes one expert's low copy into `out` (quantize_expert's contract): a GPU
// backend does it there, hundreds of times faster than one CPU thread.
using ExpertQuantizer =
    std::function<ExpertLayout(const ExpertLayout& high, std::span<const uint8_t> model_bytes,
                               quant::BlockFormat format, std::vector<uint8_t>& out)>;

struct SidecarRecipe {
    std::string key; // what the copies are, e.g. "q2_K" or "q2_K;sensitive=0.25:q4_K"
    // Chooses each expert's format (layer-major), when the sidecar is built;
    // may take a while (sensitivity measurement).
    std::function<std::vector<quant::BlockFormat>(const BuildProgress&)> choose_formats;
    ExpertQuantizer quantize; // unset: quantize_expert
};

struct SidecarStatus {
    std::filesystem::path path;
    bool built = false;         // made now (else reused)
    std::string rebuild_reason; // why an existing one was not used ("" when none existed)
    uint64_t bytes = 0;         // of the data section
    double seconds = 0;
};

// $HOARD_CACHE_DIR, else $XDG_CACHE_HOME/hoard (when absolute), else
// $HOME/.cache/hoard. Throws hoard::Error when none is available.
std::filesystem::path default_cache_dir();

// "<model stem>-<model size>-<recipe hash>.hoardlow" in `cache_dir`.
std::filesystem::path sidecar_path(const std::filesystem::path& cache_dir,
                                   const ModelIdentity& model, const std::string& recipe_key);

// Why the sidecar at `path` cannot serve `catalog`'s model and recipe, or
// nullopt when it can; on success the low layouts are set in `catalog`.
std::optional<std::string> open_sidecar(const std::filesystem::path& path, ModelIdentity& model,
                                        const std::string& recipe_key, ExpertCatalog& catalog);

// Quantizes every expert of the mapped model (`model_bytes`, the file's
// mapping, which the catalog's high layouts index) to its chosen format and
// writes the sidecar at `path` (through a temporary file and a rename).
void build_sidecar(const std::filesystem::path& path, ModelIdentity& model,
                   std::span<const uint8_t> model_bytes, const SidecarRecipe& recipe,
                   const ExpertCatalog& catalog, const BuildProgress& progress);

// Opens the sidecar for the model and recipe, building it when it is
// missing or stale; sets the catalog's low layouts.
SidecarStatus prepare_sidecar(const std::filesystem::path& cache_dir, ModelIdentity& model,
                              std::span<const uint8_t> model_bytes, const SidecarRecipe& recipe,
                              ExpertCatalog& catalog, const BuildProgress& progress);

// Quantizes one expert's high copy (bytes of the model mapping) into `format`:
// the resulting layout (source offsets relative to the start of `out`) and bytes.
ExpertLayout quantize_expert(const ExpertLayout& high, std::span<const uint8_t> model_bytes,
                             quant::BlockFormat format, std::vector<uint8_t>& out);

// Whether every matrix row of the catalog's experts is a whole number of
// `format`'s blocks.
bool format_fits(quant::BlockFormat format, const ExpertCatalog& catalog);

} // namespace hoard::offload
