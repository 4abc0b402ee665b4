#include "offload/cache_policy.hpp"

#include "hoard/error.hpp"
#include "offload/belady_policy.hpp"
#include "offload/lfu_policy.hpp"
#include "offload/lru_policy.hpp"
#include "offload/multi_policy.hpp"

namespace hoard::offload {

const char* policy_name(PolicyKind kind) {
    switch (kind) {
    case PolicyKind::Lru:
        return "lru";
    case PolicyKind::Lfu:
        return "lfu";
    case PolicyKind::Multi:
        return "multi";
    case PolicyKind::Belady:
        return "belady";
    }
    return "unknown";
}

PolicyKind parse_policy_kind(const std::string& text) {
    for (PolicyKind k : {PolicyKind::Lru, PolicyKind::Lfu, PolicyKind::Multi, PolicyKind::Belady})
        if (text == policy_name(k)) return k;
    throw Error("unknown cache policy '" + text + "'; choose lru, lfu, multi or belady");
}

std::unique_ptr<CachePolicy> make_policy(PolicyKind kind, const MultiPolicyWeights& weights,
                                         std::vector<ExpertRequest> future) {
    switch (kind) {
    case PolicyKind::Lru:
        return std::make_unique<LruPolicy>();
    case PolicyKind::Lfu:
        return std::make_unique<LfuPolicy>();
    case PolicyKind::Multi:
        for (double w :
             {weights.recency, weights.frequency, weights.high_precision, weights.layer_distance})
            if (!(w >= 0.0)) throw Error("the multi policy's weights must not be negative");
        return std::make_unique<MultiPolicy>(weights);
    case PolicyKind::Belady:
        return std::make_unique<BeladyPolicy>(std::move(future));
    }
    throw Error("unknown cache policy");
}

} // namespace hoard::offload
