#include "event_script.hpp"

#include <algorithm>

namespace hoard::test {

using namespace hoard::telemetry;

size_t Script::events() const {
    size_t n = 0;
    for (const auto& p : passes) n += p.size();
    return n;
}

LayerTally Script::total() const {
    LayerTally t;
    for (const LayerTally& l : layers) {
        t.hit_high += l.hit_high;
        t.hit_low += l.hit_low;
        t.load_high += l.load_high;
        t.load_low += l.load_low;
        t.cpu += l.cpu;
        t.skip += l.skip;
        t.transfers += l.transfers;
        t.prefetch_loads += l.prefetch_loads;
        t.bytes_host_to_device += l.bytes_host_to_device;
        t.bytes_storage_to_host += l.bytes_storage_to_host;
        t.prefetch_used += l.prefetch_used;
        t.prefetch_unused += l.prefetch_unused;
        t.stalls += l.stalls;
        t.stall_seconds += l.stall_seconds;
        t.cpu_seconds += l.cpu_seconds;
    }
    return t;
}

Script make_script(const ScriptOptions& options) {
    Script s;
    s.layers.resize(options.layers);
    const double ls = options.pass_seconds / options.layers;
    const size_t n_passes = (options.prompt_tokens ? 1 : 0) + options.decode_tokens;
    uint32_t token = 0;
    s.t_min = options.start_time;
    for (size_t p = 0; p < n_passes; ++p) {
        const bool prefill = options.prompt_tokens && p == 0;
        const uint32_t n = prefill ? options.prompt_tokens : 1;
        const double t0 = options.start_time + double(p) * options.pass_seconds;
        std::vector<Event> events;
        for (uint16_t l = 0; l < options.layers; ++l) {
            LayerTally& tally = s.layers[l];
            const double l0 = t0 + l * ls;
            for (uint16_t k = 0; k < 2; ++k) {
                const auto expert = static_cast<uint16_t>((token + l * 2 + k * 3) % 8);
                const auto action = static_cast<ExpertAction>((token * 5 + l * 3 + k) % 6);
                ExpertEvent e{token, l, expert, k == 0 ? 0.7f : 0.3f, action};
                switch (action) {
                case ExpertAction::HitHigh:
                    ++tally.hit_high;
                    break;
                case ExpertAction::HitLow:
                    ++tally.hit_low;
                    break;
                case ExpertAction::LoadHigh:
                    ++tally.load_high;
                    break;
                case ExpertAction::LoadLow:
                    ++tally.load_low;
                    break;
                case ExpertAction::CpuCompute:
                    ++tally.cpu;
                    e.t_start = l0 + 0.1 * ls;
                    e.t_end = l0 + 0.8 * ls;
                    tally.cpu_seconds += e.t_end - e.t_start;
                    ++s.cpu_spans;
                    break;
                case ExpertAction::Skip:
                    ++tally.skip;
                    break;
                }
                events.push_back(e);
                std::vector<TransferEvent> loads;
                if (action == ExpertAction::LoadHigh) {
                    loads.push_back({token, l, expert, Precision::High, Link::HostToDevice,
                                     1'000'000u + l, false, l0, l0 + 0.5 * ls});
                } else if (action == ExpertAction::LoadLow) {
                    loads.push_back({token, l, expert, Precision::Low, Link::StorageToHost,
                                     300'000u + l, k == 1, l0, l0 + 0.3 * ls});
                    loads.push_back({token, l, expert, Precision::Low, Link::HostToDevice,
                                     300'000u + l, k == 1, l0 + 0.1 * ls, l0 + 0.6 * ls});
                }
                for (const TransferEvent& t : loads) {
                    events.push_back(t);
                    s.transfers.push_back(t);
                    ++tally.transfers;
                    if (t.prefetch) ++tally.prefetch_loads;
                    (t.link == Link::HostToDevice ? tally.bytes_host_to_device
                                                  : tally.bytes_storage_to_host) += t.bytes;
                }
                if (!loads.empty()) {
                    const StallEvent stall{token, l, 0.2 * ls, l0 + 0.3 * ls};
                    events.push_back(stall);
                    ++tally.stalls;
                    tally.stall_seconds += stall.seconds;
                    ++s.stall_spans;
                }
            }
            const PrefetchEvent prefetch{token, l, static_cast<uint16_t>((token + l) % 8),
                                         (token + l) % 3 != 0};
            events.push_back(prefetch);
            s.prefetches.push_back(prefetch);
            ++(prefetch.used ? tally.prefetch_used : tally.prefetch_unused);
            events.push_back(LayerEvent{token, l, l0, l0 + ls});
            ++s.layer_spans;
        }
        const TokenEvent pass{token, n, prefill, t0, t0 + options.pass_seconds};
        events.push_back(pass);
        s.tokens.push_back(pass);
        (prefill ? s.prompt_tokens : s.generated_tokens) += n;
        s.t_max = pass.t_end;
        s.passes.push_back(std::move(events));
        token += n;
    }
    return s;
}

void play(EventBus& bus, const Script& script, size_t first, size_t count) {
    const size_t end =
        std::min(script.passes.size(), first + std::min(count, script.passes.size()));
    for (size_t p = first; p < end; ++p) {
        for (const Event& e : script.passes[p]) bus.publish(e);
        bus.flush();
    }
}

} // namespace hoard::test
