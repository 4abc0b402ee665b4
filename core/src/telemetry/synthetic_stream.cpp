#include "telemetry/synthetic_stream.hpp"

#include <algorithm>

namespace hoard::telemetry {

SyntheticStream::SyntheticStream(SyntheticShape shape, uint64_t seed)
    : shape_(shape), state_(seed * 0x9E3779B97F4A7C15ull + 1) {
    shape_.layers = std::max<uint16_t>(1, shape_.layers);
    shape_.experts = std::max<uint16_t>(1, shape_.experts);
    shape_.top_k = std::clamp<uint16_t>(shape_.top_k, 1, shape_.experts);
}

double SyntheticStream::uniform() {
    // A linear congruential step; the top 53 bits as a fraction.
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return double(state_ >> 11) * (1.0 / 9007199254740992.0);
}

size_t SyntheticStream::publish_pass(EventBus& bus, uint32_t n_tokens, bool prefill) {
    n_tokens = std::max<uint32_t>(1, n_tokens);
    const double pass_seconds = shape_.seconds_per_token * (prefill ? 0.1 * n_tokens : 1.0);
    const double layer_seconds = pass_seconds / shape_.layers;
    const double t0 = time_;
    size_t published = 0;
    for (uint16_t layer = 0; layer < shape_.layers; ++layer) {
        const double l0 = t0 + layer * layer_seconds, l1 = l0 + layer_seconds;
        for (uint16_t k = 0; k < shape_.top_k; ++k) {
            const auto expert = static_cast<uint16_t>(uniform() * shape_.experts);
            const float gate = k == 0 ? 0.6f : 0.4f / float(std::max(1, shape_.top_k - 1));
            double u = uniform();
            ExpertAction action = ExpertAction::Skip;
            const double shares[] = {shape_.hit_high, shape_.hit_low, shape_.load_high,
                                     shape_.load_low, shape_.cpu};
            const ExpertAction actions[] = {ExpertAction::HitHigh, ExpertAction::HitLow,
                                            ExpertAction::LoadHigh, ExpertAction::LoadLow,
                                            ExpertAction::CpuCompute};
            for (size_t i = 0; i < 5; ++i) {
                if (u < shares[i]) {
                    action = actions[i];
                    break;
                }
                u -= shares[i];
            }
            ExpertEvent e{token_, layer, expert, gate, action};
            if (action == ExpertAction::CpuCompute) {
                e.t_start = l0 + 0.2 * layer_seconds;
                e.t_end = l0 + 0.9 * layer_seconds;
            }
            bus.publish(e);
            ++published;
            if (action == ExpertAction::LoadHigh || action == ExpertAction::LoadLow) {
                const bool high = action == ExpertAction::LoadHigh;
                bus.publish(TransferEvent{
                    token_, layer, expert, high ? Precision::High : Precision::Low,
                    Link::HostToDevice, high ? shape_.expert_bytes_high : shape_.expert_bytes_low,
                    false, l0, l0 + 0.6 * layer_seconds});
                bus.publish(
                    StallEvent{token_, layer, 0.3 * layer_seconds, l0 + 0.3 * layer_seconds});
                published += 2;
            }
        }
        for (uint16_t p = 0; p < shape_.prefetches_per_layer; ++p) {
            bus.publish(PrefetchEvent{
                token_, layer, static_cast<uint16_t>(uniform() * shape_.experts), uniform() < 0.7});
            ++published;
        }
        bus.publish(LayerEvent{token_, layer, l0, l1});
        ++published;
    }
    bus.publish(TokenEvent{token_, n_tokens, prefill, t0, t0 + pass_seconds});
    ++published;
    token_ += n_tokens;
    time_ = t0 + pass_seconds;
    return published;
}

} // namespace hoard::telemetry
