#include "telemetry/window_aggregator.hpp"

#include <algorithm>
#include <type_traits>

namespace hoard::telemetry {

const char* span_kind_name(SpanKind kind) {
    switch (kind) {
    case SpanKind::Layer:
        return "layer";
    case SpanKind::CpuExpert:
        return "cpu_expert";
    case SpanKind::Stall:
        return "stall";
    }
    return "unknown";
}

WindowAggregator::WindowAggregator(double window_seconds, uint32_t window_passes, bool record_spans)
    : window_seconds_(window_seconds), window_passes_(std::max<uint32_t>(1, window_passes)),
      record_spans_(record_spans) {}

double WindowAggregator::window_age_seconds() const {
    if (!has_content_) return 0;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
}

void WindowAggregator::touch(uint32_t token_first, uint32_t token_last) {
    if (!has_content_) {
        has_content_ = true;
        opened_ = std::chrono::steady_clock::now();
        token_first_ = token_first;
        token_last_ = token_last;
        return;
    }
    token_first_ = std::min(token_first_, token_first);
    token_last_ = std::max(token_last_, token_last);
}

void WindowAggregator::time(double t_start, double t_end) {
    if (t_start < 0 || t_end < t_start) return; // not measured
    if (!has_time_) {
        has_time_ = true;
        t_min_ = t_start;
        t_max_ = t_end;
    } else {
        t_min_ = std::min(t_min_, t_start);
        t_max_ = std::max(t_max_, t_end);
    }
    last_time_ = std::max(last_time_, t_end);
}

void WindowAggregator::add_token(const TokenEvent& e, RecordBatch& out) {
    out.tokens.push_back(e);
    (e.prefill ? prompt_tokens_ : generated_tokens_) += e.n_tokens;
    touch(e.token_index, e.token_index + std::max<uint32_t>(1, e.n_tokens) - 1);
    time(e.t_start, e.t_end);
    ++passes_;
    if (passes_ >= window_passes_ || (has_time_ && t_max_ - t_min_ >= window_seconds_))
        close_window(out);
}

void WindowAggregator::add(const Event& event, RecordBatch& out) {
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TokenEvent>) {
                add_token(e, out);
            } else {
                LayerCounters* counters = nullptr;
                if constexpr (!std::is_same_v<T, LayerEvent>) {
                    counters = layers_.at(e.layer);
                    if (!counters) {
                        ++refused_;
                        return;
                    }
                    counters->add(e);
                }
                touch(e.token_index, e.token_index);
                if constexpr (std::is_same_v<T, TransferEvent>) {
                    out.transfers.push_back(e);
                    time(e.t_start, e.t_end);
                } else if constexpr (std::is_same_v<T, PrefetchEvent>) {
                    out.prefetches.push_back(e);
                } else if constexpr (std::is_same_v<T, ExpertEvent>) {
                    if (e.action == ExpertAction::CpuCompute && e.t_start >= 0 &&
                        e.t_end >= e.t_start) {
                        time(e.t_start, e.t_end);
                        if (record_spans_)
                            out.spans.push_back({SpanKind::CpuExpert, e.token_index, e.layer,
                                                 e.expert, e.t_start, e.t_end});
                    }
                } else if constexpr (std::is_same_v<T, StallEvent>) {
                    if (e.t_start >= 0) {
                        time(e.t_start, e.t_start + std::max(0.0, e.seconds));
                        if (record_spans_)
                            out.spans.push_back({SpanKind::Stall, e.token_index, e.layer, -1,
                                                 e.t_start, e.t_start + std::max(0.0, e.seconds)});
                    }
                } else if constexpr (std::is_same_v<T, LayerEvent>) {
                    time(e.t_start, e.t_end);
                    if (record_spans_)
                        out.spans.push_back(
                            {SpanKind::Layer, e.token_index, e.layer, -1, e.t_start, e.t_end});
                }
            }
        },
        event);
}

void WindowAggregator::close_window(RecordBatch& out) {
    if (!has_content_) return;
    const double t_start = has_time_ ? t_min_ : last_time_;
    const double t_end = has_time_ ? t_max_ : last_time_;
    const auto& layers = layers_.layers();
    for (size_t layer = 0; layer < layers.size(); ++layer) {
        if (layers[layer].empty()) continue;
        WindowRow row;
        row.window_index = window_index_;
        row.layer = static_cast<uint16_t>(layer);
        row.t_start = t_start;
        row.t_end = t_end;
        row.token_first = token_first_;
        row.token_last = token_last_;
        row.passes = passes_;
        row.counters = layers[layer];
        out.windows.push_back(row);
    }
    ++window_index_;
    layers_.clear();
    has_content_ = false;
    has_time_ = false;
    passes_ = 0;
}

} // namespace hoard::telemetry
