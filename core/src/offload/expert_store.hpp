#pragma once
// The expert store: for every (layer, expert, precision), where its bytes
// are in each tier. Storage always holds every copy (the model file for high
// precision, the sidecar for low); host memory holds those its budget allows
// (HostExpertTier); which are on the device is the executor's expert cache
// (OffloadExecutor::locate adds that part).
#include "offload/expert_layout.hpp"
#include "offload/expert_storage.hpp"
#include "offload/host_expert_tier.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace hoard::offload {

struct ExpertLocation {
    bool on_device = false;    // a device copy at this precision
    bool device_ready = false; // ... that has arrived (not still on the link)
    bool in_host = false;
    std::filesystem::path file; // storage: the file holding the copy
    uint64_t file_offset = 0;   // where its first matrix starts there
    uint64_t bytes = 0;         // the copy's size in memory (its three matrices, aligned)
};

class ExpertStore {
  public:
    // `sidecar` empty: no low-precision copies. host_bytes 0: no host limit.
    ExpertStore(std::unique_ptr<ExpertCatalog> catalog, const std::filesystem::path& model_file,
                const std::filesystem::path& sidecar, uint64_t host_bytes);

    const ExpertCatalog& catalog() const { return *catalog_; }
    HostExpertTier& host() { return *host_; }
    const HostExpertTier& host() const { return *host_; }
    const ExpertStorage& storage() const { return *storage_; }

    // The host and storage part of the location (on_device left false).
    ExpertLocation locate(uint32_t layer, uint32_t expert, Precision p) const;

  private:
    std::unique_ptr<ExpertCatalog> catalog_;
    std::unique_ptr<ExpertStorage> storage_;
    std::unique_ptr<HostExpertTier> host_;
};

} // namespace hoard::offload
