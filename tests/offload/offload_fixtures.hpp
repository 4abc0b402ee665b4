#pragma once
// Hand-made shapes, traces and a small cache driver for the offload tests.
#include "hoard/error.hpp"
#include "offload/expert_cache.hpp"
#include "offload/routing_trace.hpp"
#include "offload/trace_replay.hpp"

#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hoard::offload::test {

// The message of the hoard::Error `fn` throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A small model whose experts all take `high` / `low` bytes.
inline OffloadShape uniform_shape(uint32_t n_layer, uint32_t n_expert, uint32_t top_k,
                                  uint64_t high = 100, uint64_t low = 40) {
    OffloadShape s;
    s.name = "uniform";
    s.n_layer = n_layer;
    s.n_expert = n_expert;
    s.n_expert_used = top_k;
    s.n_embd = 64;
    s.n_ff_expert = 128;
    s.n_vocab = 100;
    s.high_format = "q4_K";
    s.low_format = "q2_K";
    s.expert_bytes_high.assign(n_layer, high);
    s.expert_bytes_low.assign(n_layer, low);
    s.non_expert_bytes = 1000;
    s.token_embedding_bytes = 100;
    s.kv_bytes_per_token = 8;
    return s;
}

// Random routing: per token and layer, top_k distinct experts with random
// weights that sum to 1, best first. Experts are drawn from a skewed
// distribution so that caching matters.
inline RoutingTrace random_trace(std::mt19937& rng, uint32_t n_layer, uint32_t n_expert,
                                 uint32_t top_k, uint32_t n_sequences, uint32_t n_tokens) {
    RoutingTrace trace(n_layer, n_expert, top_k);
    std::vector<double> popularity(n_expert);
    for (uint32_t e = 0; e < n_expert; ++e) popularity[e] = 1.0 / (1.0 + e);
    for (uint32_t s = 0; s < n_sequences; ++s) {
        TraceSequence& seq = trace.add_sequence(s);
        for (uint32_t t = 0; t < n_tokens; ++t) {
            seq.add_token();
            for (uint32_t l = 0; l < n_layer; ++l) {
                std::vector<double> p = popularity;
                std::rotate(p.begin(), p.begin() + (l * 3) % n_expert, p.end());
                std::vector<uint16_t> experts;
                std::vector<float> weights;
                float sum = 0;
                while (experts.size() < top_k) {
                    std::discrete_distribution<uint32_t> pick(p.begin(), p.end());
                    const uint32_t e = pick(rng);
                    p[e] = 0;
                    experts.push_back(uint16_t(e));
                    weights.push_back(std::uniform_real_distribution<float>(0.05f, 1.0f)(rng));
                    sum += weights.back();
                }
                for (float& w : weights) w /= sum;
                seq.set(t, l, experts, weights);
            }
        }
    }
    return trace;
}

// Drives an ExpertCache through (layer, expert, demand) accesses the way the
// replay does (hit, or pin, insert and use) and logs each access: "h" for a
// hit, "m" for a miss, followed by "-L.E" for every copy it evicted.
struct Access {
    uint16_t layer = 0;
    uint16_t expert = 0;
    Precision demand = Precision::High;
};

inline std::string drive_cache(PolicyKind kind, PoolLayout layout, uint64_t high_pool,
                               uint64_t low_pool, const std::vector<Access>& accesses,
                               uint32_t n_layer = 4, uint32_t n_expert = 8,
                               const MultiPolicyWeights& weights = {}) {
    std::vector<ExpertRequest> requests;
    for (const Access& a : accesses) {
        ExpertRequest r;
        r.time = requests.size();
        r.layer = a.layer;
        r.expert = a.expert;
        r.demand = a.demand;
        requests.push_back(r);
    }
    std::unique_ptr<CachePolicy> policy = make_policy(kind, weights, requests);
    ExpertCache cache(n_layer, n_expert, layout, high_pool, low_pool, *policy);
    std::string log;
    for (const ExpertRequest& r : requests) {
        policy->on_request(r);
        const ExpertCache::Entry& e = cache.entry(r.layer, r.expert);
        if (!log.empty()) log += ' ';
        if (e.resident && (e.precision == Precision::High || r.demand == Precision::Low)) {
            cache.use({r.layer, r.expert, e.precision}, r);
            log += 'h';
            continue;
        }
        std::vector<ResidentCopy> evicted;
        cache.pin(r.layer, r.expert);
        const uint64_t bytes = r.demand == Precision::High ? 100 : 40;
        if (!cache.insert({r.layer, r.expert, r.demand}, bytes, r.time, r.layer, 0, false,
                          &evicted))
            throw Error("no room");
        cache.use({r.layer, r.expert, r.demand}, r);
        cache.unpin_all();
        log += 'm';
        for (const ResidentCopy& c : evicted)
            log += "-" + std::to_string(c.layer) + "." + std::to_string(c.expert);
    }
    return log;
}

} // namespace hoard::offload::test
