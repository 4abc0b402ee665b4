#include "offload/slot_classes.hpp"

#include <algorithm>
#include <map>

namespace hoard::offload {
namespace {

uint64_t round_up(uint64_t v, uint64_t a) {
    return a ? (v + a - 1) / a * a : v;
}

// Share of class c's copies that are resident.
double resident_share(const SlotClass& c) {
    return c.n_copies ? double(c.n_slots) / double(c.n_copies) : 1e9;
}

} // namespace

size_t slot_class_of(std::span<const SlotClass> classes, uint64_t bytes) {
    for (size_t i = 0; i < classes.size(); ++i)
        if (classes[i].slot_bytes >= bytes) return i;
    return classes.size();
}

std::vector<SlotClass> plan_slot_classes(std::span<const uint64_t> copy_bytes,
                                         const SlotClassRequest& r) {
    std::map<uint64_t, uint64_t> sizes; // rounded size -> copies
    for (uint64_t b : copy_bytes) ++sizes[round_up(b, r.align)];
    std::vector<SlotClass> classes;
    for (const auto& [bytes, n] : sizes) classes.push_back({bytes, 0, n});
    if (classes.empty()) return classes;
    // Too many sizes: merge the neighbours whose merge wastes the least
    // (the smaller class's copies then take the larger slots).
    while (classes.size() > std::max<size_t>(r.max_classes, 1)) {
        size_t best = 0;
        uint64_t best_waste = UINT64_MAX;
        for (size_t i = 0; i + 1 < classes.size(); ++i) {
            const uint64_t waste =
                classes[i].n_copies * (classes[i + 1].slot_bytes - classes[i].slot_bytes);
            if (waste < best_waste) {
                best_waste = waste;
                best = i;
            }
        }
        classes[best + 1].n_copies += classes[best].n_copies;
        classes.erase(classes.begin() + ptrdiff_t(best));
    }
    classes.back().slot_bytes = std::max(classes.back().slot_bytes, round_up(r.must_fit, r.align));

    auto cost = [&](const SlotClass& c) { return c.slot_bytes + r.per_slot_overhead; };
    auto used = [&] {
        uint64_t u = 0;
        for (const SlotClass& c : classes) u += c.n_slots * cost(c);
        return u;
    };
    // The same resident share for every class, at least min_slots each.
    double weight = 0;
    for (const SlotClass& c : classes) weight += double(c.n_copies) * double(cost(c));
    for (SlotClass& c : classes)
        c.n_slots = std::max<uint64_t>(
            r.min_slots, uint64_t(double(r.area_bytes) * double(c.n_copies) / weight));
    while (used() > r.area_bytes) {
        // Over the area (min_slots pushed it up): take from the best-served class.
        SlotClass* richest = nullptr;
        for (SlotClass& c : classes)
            if (c.n_slots > r.min_slots &&
                (!richest || resident_share(c) > resident_share(*richest)))
                richest = &c;
        if (!richest) return {};
        --richest->n_slots;
    }
    // What rounding left: one more slot at a time to the worst-served class that fits.
    while (true) {
        const uint64_t left = r.area_bytes - used();
        SlotClass* poorest = nullptr;
        for (SlotClass& c : classes)
            if (cost(c) <= left && (!poorest || resident_share(c) < resident_share(*poorest)))
                poorest = &c;
        if (!poorest) break;
        ++poorest->n_slots;
    }
    return classes;
}

} // namespace hoard::offload
