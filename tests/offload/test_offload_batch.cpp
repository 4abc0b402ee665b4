// Offload layer: the batch (prefill) eviction rule. Its ranking, and the
// expert cache driven the way the executor drives it in a batch pass: on a
// cyclic workload it loads Belady's minimum per pass where LRU reloads
// everything; it follows routing that leaves experts unused; pins and pool
// budgets hold; passes that are not batch passes keep the policy.
#include "test_offload.hpp"

#include "offload/batch_eviction.hpp"
#include "offload/expert_cache.hpp"

#include <QtTest>

#include <random>
#include <set>

using namespace hoard;
using namespace hoard::offload;

namespace {

// An ExpertCache driven as the executor drives it: per layer the selection
// is pinned; resident copies are used and computed (unpinned) first; each
// missing copy is loaded (evicting), used and computed before the next.
// Every copy takes 100 bytes. Logs evictions as "-L.E".
class CacheDriver {
  public:
    CacheDriver(PolicyKind kind, uint32_t n_layer, uint32_t n_expert, uint64_t pool_bytes)
        : policy_(make_policy(kind)),
          cache_(n_layer, n_expert, PoolLayout::Shared, pool_bytes, 0, *policy_) {}

    ExpertCache& cache() { return cache_; }
    std::string log;

    // Returns the loads of the layer.
    size_t layer(uint16_t l, const std::vector<uint16_t>& experts) {
        for (uint16_t e : experts) cache_.pin(l, e);
        std::vector<uint16_t> missing;
        for (uint16_t e : experts) {
            if (!cache_.resident(l, e)) {
                missing.push_back(e);
                continue;
            }
            cache_.use({l, e, Precision::High}, request(l, e));
            cache_.unpin(l, e);
        }
        for (uint16_t e : missing) {
            std::vector<ResidentCopy> evicted;
            if (!cache_.insert({l, e, Precision::High}, 100, time_, l, 0, false, &evicted))
                throw Error("no room");
            for (const ResidentCopy& c : evicted) {
                if (cache_.pinned(c.layer, c.expert)) throw Error("evicted a pinned copy");
                log += "-" + std::to_string(c.layer) + "." + std::to_string(c.expert);
            }
            if (cache_.used_bytes(0) > cache_.capacity(0)) throw Error("over the pool");
            cache_.use({l, e, Precision::High}, request(l, e));
            cache_.unpin(l, e);
        }
        return missing.size();
    }

    // A pass over every layer, each needing `experts`; returns its loads.
    size_t pass(bool batch, uint32_t n_layer, const std::vector<uint16_t>& experts) {
        cache_.begin_pass(batch);
        size_t loads = 0;
        for (uint16_t l = 0; l < n_layer; ++l) loads += layer(l, experts);
        return loads;
    }

  private:
    ExpertRequest request(uint16_t l, uint16_t e) {
        ExpertRequest r;
        r.time = time_++;
        r.layer = l;
        r.expert = e;
        policy_->on_request(r);
        return r;
    }

    std::unique_ptr<CachePolicy> policy_;
    ExpertCache cache_;
    uint64_t time_ = 0;
};

std::vector<uint16_t> first_experts(uint16_t n) {
    std::vector<uint16_t> v(n);
    for (uint16_t e = 0; e < n; ++e) v[e] = e;
    return v;
}

} // namespace

void TestOffload::batchRuleRanksByNextUse() {
    // At layer 1 of 4: layer 2 is needed next, then 3, then (next pass) 0, then 1.
    QCOMPARE(layers_until_next_use(2, 1, 4), 1u);
    QCOMPARE(layers_until_next_use(3, 1, 4), 2u);
    QCOMPARE(layers_until_next_use(0, 1, 4), 3u);
    QCOMPARE(layers_until_next_use(1, 1, 4), 4u);
    // In pass 5 at layer 1: layers 0 and 1 ran in pass 5, layers 2 and 3 in pass 4.
    QVERIFY(!stale_in_batch(0, 5, 1, 5));
    QVERIFY(stale_in_batch(0, 4, 1, 5));
    QVERIFY(!stale_in_batch(2, 4, 1, 5));
    QVERIFY(stale_in_batch(2, 3, 1, 5));
    // A stale copy goes before any used one; among each, the layer needed last.
    QCOMPARE(batch_eviction_rank(1, false, 1, 4), 4u);
    QCOMPARE(batch_eviction_rank(2, true, 1, 4), 5u);
    QCOMPARE(batch_eviction_rank(1, true, 1, 4), 8u);

    // Pass 1 leaves expert 0 of each layer (a pool of 4); pass 2 uses 0.0
    // and 1.0, then loads 1.1 … 1.4 with the copies it loaded kept pinned:
    // the computed 1.0 goes first, then the layer done before it, then the
    // layers still ahead, the last one first.
    CacheDriver d(PolicyKind::Lru, 4, 8, 400);
    QCOMPARE(d.pass(true, 4, {0}), size_t(4));
    d.cache().begin_pass(true);
    d.layer(0, {0});
    d.layer(1, {0});
    std::string order;
    for (uint16_t e = 1; e <= 4; ++e) {
        d.cache().pin(1, e);
        std::vector<ResidentCopy> evicted;
        QVERIFY(d.cache().insert({1, e, Precision::High}, 100, 100 + e, 1, 0, false, &evicted));
        for (const ResidentCopy& c : evicted)
            order += "-" + std::to_string(c.layer) + "." + std::to_string(c.expert);
    }
    QCOMPARE(order, std::string("-1.0-0.0-3.0-2.0"));
    QCOMPARE(d.cache().batch_evictions(), uint64_t(4));
}

void TestOffload::batchRuleLoadsBeladysMinimumOnACyclicWorkload() {
    // 4 layers of 8 experts, a pool of 20 copies, every pass needs every
    // expert: no pass can load fewer than 32 - 20 = 12 copies (Belady's
    // minimum). LRU evicts exactly the copy needed next: it reloads all 32.
    const std::vector<uint16_t> all = first_experts(8);
    CacheDriver batch(PolicyKind::Lru, 4, 8, 2000), lru(PolicyKind::Lru, 4, 8, 2000);
    for (int pass = 0; pass < 6; ++pass) {
        const size_t expected = pass == 0 ? 32 : 12;
        QCOMPARE(batch.pass(true, 4, all), expected);
        QCOMPARE(lru.pass(false, 4, all), size_t(32));
        QCOMPARE(batch.cache().used_bytes(0), uint64_t(2000));
    }
    QCOMPARE(lru.cache().batch_evictions(), uint64_t(0));
    QCOMPARE(batch.cache().batch_evictions(), batch.cache().evictions());
    QCOMPARE(batch.cache().evictions(), uint64_t(6 * 12)); // the first pass's too
    // Any policy breaks the ties: LFU and the multi policy load as few.
    for (PolicyKind kind : {PolicyKind::Lfu, PolicyKind::Multi}) {
        CacheDriver other(kind, 4, 8, 2000);
        other.pass(true, 4, all);
        QCOMPARE(other.pass(true, 4, all), size_t(12));
    }
}

void TestOffload::batchRuleFollowsTheRouting() {
    // The first pass needs all 8 experts of each layer, the later ones only
    // 6: experts 6 and 7 are not used again, go first, and the passes settle
    // at 24 needed - 20 held = 4 loads.
    CacheDriver d(PolicyKind::Lru, 4, 8, 2000);
    QCOMPARE(d.pass(true, 4, first_experts(8)), size_t(32));
    QCOMPARE(d.pass(true, 4, first_experts(6)), size_t(11));
    for (int pass = 0; pass < 4; ++pass) QCOMPARE(d.pass(true, 4, first_experts(6)), size_t(4));
    for (uint16_t l = 0; l < 4; ++l)
        QVERIFY(!d.cache().resident(l, 6) && !d.cache().resident(l, 7));
}

void TestOffload::batchRuleKeepsPinsAndBudgets() {
    // Random passes (batch or not), selections, pins and precisions in
    // shared and separate pools: no pool is exceeded, no pinned copy goes,
    // and a copy that fits_before_sooner_copies() says fits is inserted.
    std::mt19937 rng(23);
    for (int round = 0; round < 20; ++round) {
        auto policy = make_policy(PolicyKind(rng() % 3));
        const bool separate = rng() % 2;
        ExpertCache cache(4, 8, separate ? PoolLayout::Separate : PoolLayout::Shared,
                          300 + rng() % 1500, 100 + rng() % 400, *policy);
        uint64_t t = 0;
        for (int pass = 0; pass < 30; ++pass) {
            cache.begin_pass(rng() % 3 != 0);
            for (uint16_t l = 0; l < 4; ++l) {
                for (int i = 0; i < 6; ++i) {
                    const uint16_t e = uint16_t(rng() % 8);
                    const Precision p = rng() % 3 ? Precision::High : Precision::Low;
                    const uint64_t bytes = p == Precision::High ? 100 : 40;
                    ExpertRequest r{t++, 0, l, e, 0, 1.0f, p};
                    policy->on_request(r);
                    if (rng() % 3 == 0) cache.pin(uint16_t(rng() % 4), uint16_t(rng() % 8));
                    const auto& entry = cache.entry(l, e);
                    if (entry.resident &&
                        (entry.precision == Precision::High || p == entry.precision)) {
                        cache.use({l, e, entry.precision}, r);
                        continue;
                    }
                    const bool fits = cache.fits_before_sooner_copies({l, e, p}, bytes, l);
                    std::set<std::pair<uint16_t, uint16_t>> pinned;
                    for (uint16_t a = 0; a < 4; ++a)
                        for (uint16_t b = 0; b < 8; ++b)
                            if (cache.pinned(a, b)) pinned.insert({a, b});
                    std::vector<ResidentCopy> evicted;
                    const bool inserted = cache.insert({l, e, p}, bytes, t, l, 0, false, &evicted);
                    QVERIFY(inserted || !fits);
                    for (const ResidentCopy& c : evicted)
                        QVERIFY((c.layer == l && c.expert == e) ||
                                !pinned.count({c.layer, c.expert}));
                    if (inserted) cache.use({l, e, p}, r);
                    for (size_t pool = 0; pool < cache.n_pools(); ++pool)
                        QVERIFY(cache.used_bytes(pool) <= cache.capacity(pool));
                }
                cache.unpin_all();
            }
        }
    }
}

void TestOffload::decodePassesKeepThePolicy() {
    // After batch passes, a pass that is not one evicts by LRU again.
    CacheDriver d(PolicyKind::Lru, 4, 8, 300);
    d.pass(true, 4, {0, 1});
    const uint64_t batch = d.cache().batch_evictions();
    QVERIFY(batch > 0);
    // The batch rule kept 0.0 and 0.1 (needed first in the next pass) and 3.1.
    QVERIFY(d.cache().resident(0, 0) && d.cache().resident(0, 1) && d.cache().resident(3, 1));
    d.cache().begin_pass(false);
    d.log.clear();
    // LRU at layer 0 evicts 0.0 and 0.1 (the oldest); the batch rule would
    // have evicted the copies it had just loaded and computed.
    for (uint16_t e = 5; e <= 7; ++e) d.layer(0, {e});
    QCOMPARE(d.log, std::string("-0.0-0.1-3.1"));
    QCOMPARE(d.cache().batch_evictions(), batch);
}
