#include "offload/trace_recorder.hpp"

#include "hoard/error.hpp"

#include <array>

namespace hoard::offload {
namespace {
// Positions arrive in order; a jump this large means a caller's mistake.
constexpr size_t kMaxPositionJump = 1 << 16;
} // namespace

void TraceRecorder::begin_sequence(int64_t id) {
    trace_.add_sequence(id);
    current_ = trace_.sequences().size() - 1;
    started_ = true;
}

void TraceRecorder::on_routing(const model::RoutingDecision& d) {
    if (!started_) begin_sequence(int64_t(trace_.sequences().size()));
    TraceSequence& seq = trace_.sequences().at(current_);
    if (d.experts.size() > kMaxTraceTopK) throw Error("too many experts selected to record");
    if (d.position >= size_t(seq.n_tokens()) + kMaxPositionJump)
        throw Error("routing trace: position " + std::to_string(d.position) +
                    " is far beyond the recorded " + std::to_string(seq.n_tokens()));
    while (seq.n_tokens() <= d.position) seq.add_token();
    std::array<uint16_t, kMaxTraceTopK> experts{};
    for (size_t i = 0; i < d.experts.size(); ++i) {
        if (d.experts[i] < 0 || uint32_t(d.experts[i]) >= trace_.n_expert())
            throw Error("routing trace: expert " + std::to_string(d.experts[i]) +
                        " does not exist");
        experts[i] = uint16_t(d.experts[i]);
    }
    seq.set(uint32_t(d.position), uint32_t(d.layer), std::span(experts).first(d.experts.size()),
            d.weights);
}

} // namespace hoard::offload
