#include "backend/cuda/expert_slots.hpp"

#include "backend/cuda/device_matrix.hpp"
#include "hoard/error.hpp"

namespace hoard::backend::cuda {

ExpertSlots::ExpertSlots(DeviceMemory& memory, size_t slot_bytes, size_t n_slots,
                         const std::string& what)
    : slot_bytes_(round_up(slot_bytes, 256)), n_slots_(n_slots) {
    if (n_slots == 0) return;
    // Kernels read whole 16-byte words past a matrix's last row.
    arena_ = memory.allocate(slot_bytes_ * n_slots + kReadSlack, what);
    free_.reserve(n_slots);
    for (size_t i = n_slots; i-- > 0;) free_.push_back(uint32_t(i)); // slot 0 first
    last_use_.reserve(n_slots);
    for (size_t i = 0; i < n_slots; ++i) last_use_.push_back(std::make_unique<Event>());
}

std::optional<uint32_t> ExpertSlots::slot_of(const void* p) const {
    const auto* b = static_cast<const uint8_t*>(p);
    if (n_slots_ == 0 || b < base() || b >= base() + slot_bytes_ * n_slots_) return std::nullopt;
    return uint32_t(size_t(b - base()) / slot_bytes_);
}

std::optional<uint32_t> ExpertSlots::take() {
    if (free_.empty()) return std::nullopt;
    const uint32_t s = free_.back();
    free_.pop_back();
    return s;
}

void ExpertSlots::give_back(uint32_t slot) {
    free_.push_back(slot);
}

} // namespace hoard::backend::cuda
