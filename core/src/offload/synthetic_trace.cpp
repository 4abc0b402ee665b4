#include "offload/synthetic_trace.hpp"

#include "hoard/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace hoard::offload {
namespace {

constexpr size_t kMaxSyntheticTokens = 1 << 20;

// splitmix64: the same numbers on every platform.
class Random {
  public:
    explicit Random(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)

  private:
    uint64_t state_;
};

} // namespace

RoutingTrace make_synthetic_trace(const OffloadShape& shape, const SyntheticTraceOptions& o) {
    const uint32_t n_layer = shape.n_layer, n_expert = shape.n_expert, k = shape.n_expert_used;
    if (n_layer == 0 || n_expert == 0 || k == 0 || k > n_expert || k > kMaxTraceTopK)
        throw Error("a synthetic trace needs a shape with experts");
    if (o.n_tokens == 0 || o.n_tokens > kMaxSyntheticTokens)
        throw Error("a synthetic trace holds 1 to " + std::to_string(kMaxSyntheticTokens) +
                    " tokens");
    if (!(o.skew >= 0 && o.skew < 10) || !(o.repeat >= 0 && o.repeat <= 1))
        throw Error("synthetic trace: skew must be in [0, 10) and repeat in [0, 1]");

    Random rng(o.seed);
    // Per layer: cumulative popularity over a shuffled ranking of the experts.
    std::vector<std::vector<double>> cumulative(n_layer);
    std::vector<std::vector<uint16_t>> ranking(n_layer);
    for (uint32_t l = 0; l < n_layer; ++l) {
        ranking[l].resize(n_expert);
        std::iota(ranking[l].begin(), ranking[l].end(), uint16_t(0));
        for (uint32_t i = n_expert - 1; i > 0; --i)
            std::swap(ranking[l][i], ranking[l][rng.next() % (i + 1)]);
        double sum = 0;
        for (uint32_t r = 0; r < n_expert; ++r) {
            sum += 1.0 / std::pow(double(r + 1), o.skew);
            cumulative[l].push_back(sum);
        }
        for (double& c : cumulative[l]) c /= sum;
    }

    RoutingTrace trace(n_layer, n_expert, k);
    trace.model = "synthetic (" + shape.name + ")";
    TraceSequence& seq = trace.add_sequence(0);
    std::vector<std::vector<uint16_t>> previous(n_layer);
    std::vector<uint16_t> experts(k);
    std::vector<float> weights(k);
    for (size_t t = 0; t < o.n_tokens; ++t) {
        const uint32_t token = seq.add_token();
        for (uint32_t l = 0; l < n_layer; ++l) {
            if (!previous[l].empty() && rng.uniform() < o.repeat) {
                experts = previous[l];
            } else {
                for (uint32_t i = 0; i < k; ++i) {
                    uint16_t e;
                    do {
                        const double u = rng.uniform();
                        const size_t r =
                            size_t(std::lower_bound(cumulative[l].begin(), cumulative[l].end(), u) -
                                   cumulative[l].begin());
                        e = ranking[l][std::min<size_t>(r, n_expert - 1)];
                    } while (std::find(experts.begin(), experts.begin() + i, e) !=
                             experts.begin() + i);
                    experts[i] = e;
                }
            }
            float sum = 0;
            for (float& w : weights) sum += (w = float(0.05 + std::exp(2.0 * rng.uniform())));
            for (float& w : weights) w /= sum;
            std::sort(weights.begin(), weights.end(), std::greater<float>());
            seq.set(token, l, experts, weights);
            previous[l] = experts;
        }
    }
    return trace;
}

} // namespace hoard::offload
