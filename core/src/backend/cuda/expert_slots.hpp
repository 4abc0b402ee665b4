#pragma once
// Device memory for cached expert copies: one allocation under the budget cut
// into slots of one size. Copies come and go without cudaMalloc or cudaFree
// (which wait for the whole device) and without fragmentation, and the slots
// form a stack the kernels index by slot number (matrix i of a copy in slot s
// at base + s · slot_bytes + the matrix's offset in the copy).
#include "backend/cuda/device_memory.hpp"
#include "backend/cuda/device_queues.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hoard::backend::cuda {

class ExpertSlots {
  public:
    // Throws hoard::Error when the budget cannot hold them.
    ExpertSlots(DeviceMemory& memory, size_t slot_bytes, size_t n_slots, const std::string& what);

    size_t slot_bytes() const { return slot_bytes_; }
    size_t size() const { return n_slots_; }
    size_t n_free() const { return free_.size(); }
    uint8_t* base() const { return arena_.as<uint8_t>(); }
    uint8_t* data(uint32_t slot) const { return base() + size_t(slot) * slot_bytes_; }
    // Which slot `p` (inside one) lies in, or nullopt.
    std::optional<uint32_t> slot_of(const void* p) const;

    std::optional<uint32_t> take();
    void give_back(uint32_t slot);

    // Recorded on the compute stream after the last work that read the slot;
    // a copy into the slot waits for it.
    Event& last_use(uint32_t slot) { return *last_use_[slot]; }

  private:
    size_t slot_bytes_, n_slots_;
    DeviceBuffer arena_;
    std::vector<uint32_t> free_;
    std::vector<std::unique_ptr<Event>> last_use_;
};

} // namespace hoard::backend::cuda
