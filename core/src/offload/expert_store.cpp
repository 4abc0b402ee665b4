#include "offload/expert_store.hpp"

#include "hoard/error.hpp"

#include <algorithm>

namespace hoard::offload {

ExpertStore::ExpertStore(std::unique_ptr<ExpertCatalog> catalog,
                         const std::filesystem::path& model_file,
                         const std::filesystem::path& sidecar, uint64_t host_bytes)
    : catalog_(std::move(catalog)) {
    storage_ = std::make_unique<ExpertStorage>(*catalog_, model_file, sidecar);
    host_ = std::make_unique<HostExpertTier>(*catalog_, *storage_, host_bytes);
}

ExpertLocation ExpertStore::locate(uint32_t layer, uint32_t expert, Precision p) const {
    if (layer >= catalog_->n_layer() || expert >= catalog_->n_expert())
        throw Error("no expert " + std::to_string(expert) + " in layer " + std::to_string(layer));
    ExpertLocation where;
    if (p == Precision::Low && !catalog_->has_low()) return where;
    const ExpertLayout& layout = catalog_->layout(layer, expert, p);
    where.in_host = host_->contains(layer, expert, p);
    where.file = storage_->file(p);
    where.file_offset =
        std::min({layout.matrices[0].source_offset, layout.matrices[1].source_offset,
                  layout.matrices[2].source_offset});
    where.bytes = layout.blob_bytes;
    return where;
}

} // namespace hoard::offload
