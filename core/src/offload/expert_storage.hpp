#pragma once
// The storage tier: expert copies read with pread from the model file (high
// precision) and the sidecar (low precision), so host memory only holds what
// the host budget allows, whatever the model's size.
#include "offload/expert_layout.hpp"

#include <cstdint>
#include <filesystem>

namespace hoard::offload {

class ExpertStorage {
  public:
    // Throws hoard::Error when a file cannot be opened. `sidecar` may be empty
    // (no low-precision copies).
    ExpertStorage(const ExpertCatalog& catalog, const std::filesystem::path& model_file,
                  const std::filesystem::path& sidecar);
    ~ExpertStorage();
    ExpertStorage(const ExpertStorage&) = delete;
    ExpertStorage& operator=(const ExpertStorage&) = delete;

    // Reads the copy into `blob` (layout(layer, expert, p).blob_bytes bytes),
    // each matrix at its blob offset; returns the bytes read. Throws
    // hoard::Error on a read error or a file cut short. Thread-safe.
    uint64_t read(uint32_t layer, uint32_t expert, Precision p, uint8_t* blob) const;

    const std::filesystem::path& file(Precision p) const {
        return p == Precision::High ? model_path_ : sidecar_path_;
    }

  private:
    const ExpertCatalog& catalog_;
    std::filesystem::path model_path_, sidecar_path_;
    int model_fd_ = -1, sidecar_fd_ = -1;
};

} // namespace hoard::offload
