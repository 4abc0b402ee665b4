#pragma once
// Expert copies differ in size (a Q4_K_M model stores some layers' down
// projections as q6_K): slots cut to the largest copy waste the difference on
// every smaller one. Slot classes give each copy size its own slots, as many
// as keep the same share of every class's experts resident (with routing
// spread evenly, each layer then hits as often as the others).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hoard::offload {

struct SlotClass {
    uint64_t slot_bytes = 0; // every copy in the class fits one slot
    uint64_t n_slots = 0;
    uint64_t n_copies = 0; // copies of this size class in the model
    uint64_t bytes() const { return slot_bytes * n_slots; }
};

struct SlotClassRequest {
    uint64_t area_bytes = 0;        // device memory for the slots
    uint64_t align = 256;           // slot sizes are multiples of this
    uint64_t per_slot_overhead = 0; // bytes the arena adds per slot beyond slot_bytes
    size_t min_slots = 1;           // per class: one layer's selected experts
    size_t max_classes = 4;         // more sizes than this are merged (the least waste first)
    uint64_t must_fit = 0; // the largest class's slots hold at least this (shared low copies)
};

// The classes for copies of the given sizes (one entry per expert copy),
// smallest slot first. Empty when the area cannot give every class
// min_slots slots.
std::vector<SlotClass> plan_slot_classes(std::span<const uint64_t> copy_bytes,
                                         const SlotClassRequest& request);

// The class a copy of `bytes` goes to: the smallest whose slots hold it, or
// classes.size() when none does.
size_t slot_class_of(std::span<const SlotClass> classes, uint64_t bytes);

} // namespace hoard::offload
