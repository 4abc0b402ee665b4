// Offload layer: slot classes (one per expert copy size) and the expert
// cache's pools per class.
#include "test_offload.hpp"

#include "offload/cache_policy.hpp"
#include "offload/expert_cache.hpp"
#include "offload/slot_classes.hpp"

#include <QtTest>

using namespace hoard;
using namespace hoard::offload;

void TestOffload::slotClassesGiveEverySizeTheSameShare() {
    // A Q4_K_M-like model: half the layers' copies are 15 % larger.
    std::vector<uint64_t> sizes;
    for (int i = 0; i < 128; ++i) sizes.push_back(100'000);
    for (int i = 0; i < 128; ++i) sizes.push_back(115'000);
    SlotClassRequest r;
    r.area_bytes = 20'000'000;
    r.min_slots = 2;
    const std::vector<SlotClass> c = plan_slot_classes(sizes, r);
    QCOMPARE(c.size(), size_t(2));
    QCOMPARE(c[0].slot_bytes, uint64_t(100'096)); // rounded to 256
    QCOMPARE(c[1].slot_bytes, uint64_t(115'200));
    QCOMPARE(c[0].n_copies, uint64_t(128));
    QVERIFY(c[0].bytes() + c[1].bytes() <= r.area_bytes);
    // Nothing left that would fit another slot of either class.
    QVERIFY(r.area_bytes - c[0].bytes() - c[1].bytes() < c[0].slot_bytes);
    // Equal shares (within a slot), and more copies than slots cut to the largest.
    QVERIFY(std::abs(int64_t(c[0].n_slots) - int64_t(c[1].n_slots)) <= 1);
    QVERIFY(c[0].n_slots + c[1].n_slots > r.area_bytes / 115'200);

    // Too small for min_slots of each class: nothing.
    r.area_bytes = 3 * 115'200;
    QVERIFY(plan_slot_classes(sizes, r).empty());
    // min_slots each, when the shares alone would give one class fewer.
    std::vector<uint64_t> skewed(250, 100'000);
    skewed.push_back(200'000);
    r.area_bytes = 1'000'000;
    const std::vector<SlotClass> s = plan_slot_classes(skewed, r);
    QCOMPARE(s.size(), size_t(2));
    QCOMPARE(s[1].n_slots, uint64_t(2));
    QVERIFY(s[0].bytes() + s[1].bytes() <= r.area_bytes);
}

void TestOffload::slotClassesMergeTheLeastWastefulSizes() {
    std::vector<uint64_t> sizes;
    for (uint64_t b : {1000, 1010, 2000, 3000, 3020, 4000})
        for (int i = 0; i < 10; ++i) sizes.push_back(b * 256);
    SlotClassRequest r;
    r.area_bytes = 100'000'000;
    r.max_classes = 4;
    const std::vector<SlotClass> c = plan_slot_classes(sizes, r);
    QCOMPARE(c.size(), size_t(4));
    // 1000 joined 1010 and 3000 joined 3020: the two cheapest merges.
    QCOMPARE(c[0].slot_bytes, uint64_t(1010 * 256));
    QCOMPARE(c[0].n_copies, uint64_t(20));
    QCOMPARE(c[2].slot_bytes, uint64_t(3020 * 256));
    QCOMPARE(slot_class_of(c, 1000 * 256), size_t(0));
    QCOMPARE(slot_class_of(c, 1011 * 256), size_t(1));
    QCOMPARE(slot_class_of(c, 5000 * 256), c.size());
    // Shared low copies larger than every high copy still fit the largest class.
    r.must_fit = 4500 * 256;
    QCOMPARE(plan_slot_classes(sizes, r).back().slot_bytes, uint64_t(4500 * 256));
}

void TestOffload::cachePoolsPerSlotClass() {
    auto policy = make_policy(PolicyKind::Lru);
    const std::vector<SlotClass> classes = {{100, 2, 4}, {120, 1, 4}};
    ExpertCache cache(2, 4, PoolLayout::Shared, 0, 0, *policy, classes);
    QCOMPARE(cache.n_pools(), size_t(2));
    QCOMPARE(cache.capacity(0), uint64_t(200));
    QCOMPARE(cache.capacity(1), uint64_t(120));
    // Layer 0's copies take 100-byte slots, layer 1's 120-byte ones.
    QVERIFY(cache.insert({0, 0, Precision::High}, 100, 0, 0, 0, false));
    QVERIFY(cache.insert({1, 0, Precision::High}, 120, 1, 1, 0, false));
    QVERIFY(cache.insert({0, 1, Precision::High}, 100, 2, 0, 0, false));
    // A third 100-byte copy evicts the oldest 100-byte copy, never the 120-byte one.
    std::vector<ResidentCopy> evicted;
    QVERIFY(cache.insert({0, 2, Precision::High}, 100, 3, 0, 0, false, &evicted));
    QCOMPARE(evicted.size(), size_t(1));
    QCOMPARE(int(evicted[0].layer), 0);
    QCOMPARE(int(evicted[0].expert), 0);
    QVERIFY(cache.resident(1, 0));
    // The 120-byte class holds one: the next evicts it, and only it.
    evicted.clear();
    QVERIFY(cache.insert({1, 1, Precision::High}, 120, 4, 1, 0, false, &evicted));
    QCOMPARE(evicted.size(), size_t(1));
    QCOMPARE(int(evicted[0].layer), 1);
    QCOMPARE(cache.used_bytes(0), uint64_t(200));
    QCOMPARE(cache.used_bytes(1), uint64_t(120));
    // Pinned: the class is full, so the copy does not fit (the other class has no say).
    cache.pin(1, 1);
    QVERIFY(!cache.insert({1, 2, Precision::High}, 120, 5, 1, 0, false));
    // A low copy's footprint is the smallest class that holds it.
    QCOMPARE(cache.pool_of(Precision::Low, 100), size_t(0));
    QCOMPARE(cache.pool_of(Precision::High, 120), size_t(1));
    QCOMPARE(cache.pool_of(Precision::High, 110), size_t(1));
}
