// C ABI: sessions, generation with a per-token callback, cancellation from
// any thread, and the session's telemetry.
#include "capi/call_arguments.hpp"
#include "capi/handle_objects.hpp"
#include "capi/status_boundary.hpp"

#include <cmath>

using namespace hoard::capi;

namespace {

using Clock = std::chrono::steady_clock;

hoard_generation_params params_from(const hoard::GenerationParams& p) {
    hoard_generation_params c{};
    c.struct_size = sizeof c;
    c.max_tokens = p.max_tokens;
    c.temperature = p.sampling.temperature;
    c.top_k = p.sampling.top_k;
    c.top_p = p.sampling.top_p;
    c.min_p = p.sampling.min_p;
    c.repeat_penalty = p.sampling.repeat_penalty;
    c.repeat_last_n = p.sampling.repeat_last_n;
    c.seed = p.sampling.seed;
    c.stop_at_end_of_generation = p.stop_at_end_of_generation ? 1 : 0;
    c.prefill_chunk = uint32_t(p.prefill_chunk);
    return c;
}

hoard::GenerationParams params_argument(const hoard_generation_params* in) {
    const hoard::GenerationParams defaults;
    const auto c = read_extensible(in, params_from(defaults), "params");
    const auto finite = [](float v, const char* name) {
        if (!std::isfinite(v)) fail_argument(std::string("params->") + name + " is not a number");
    };
    finite(c.temperature, "temperature");
    finite(c.top_p, "top_p");
    finite(c.min_p, "min_p");
    finite(c.repeat_penalty, "repeat_penalty");
    if (c.top_k < 0) fail_argument("params->top_k is negative");
    if (c.top_p < 0 || c.top_p > 1) fail_argument("params->top_p is outside [0, 1]");
    if (c.min_p < 0 || c.min_p > 1) fail_argument("params->min_p is outside [0, 1]");
    if (c.repeat_penalty <= 0) fail_argument("params->repeat_penalty is not positive");
    if (c.repeat_last_n < -1) fail_argument("params->repeat_last_n is less than -1");
    hoard::GenerationParams p;
    p.max_tokens = c.max_tokens;
    p.sampling.temperature = c.temperature;
    p.sampling.top_k = c.top_k;
    p.sampling.top_p = c.top_p;
    p.sampling.min_p = c.min_p;
    p.sampling.repeat_penalty = c.repeat_penalty;
    p.sampling.repeat_last_n = c.repeat_last_n;
    p.sampling.seed = c.seed;
    p.stop_at_end_of_generation = c.stop_at_end_of_generation != 0;
    p.prefill_chunk = c.prefill_chunk ? c.prefill_chunk : defaults.prefill_chunk;
    return p;
}

hoard_stop_reason stop_reason_code(hoard::StopReason reason) {
    switch (reason) {
    case hoard::StopReason::EndOfGeneration:
        return HOARD_STOP_END_OF_GENERATION;
    case hoard::StopReason::MaxTokens:
        return HOARD_STOP_MAX_TOKENS;
    case hoard::StopReason::Cancelled:
        return HOARD_STOP_CANCELLED;
    case hoard::StopReason::ContextFull:
        return HOARD_STOP_CONTEXT_FULL;
    case hoard::StopReason::CallbackStopped:
        return HOARD_STOP_CALLBACK;
    }
    return HOARD_STOP_NONE;
}

hoard_generation_stats stats_from(const hoard::GenerationStats& s, bool finished) {
    hoard_generation_stats c{};
    c.struct_size = sizeof c;
    c.stop_reason = finished ? stop_reason_code(s.stop) : HOARD_STOP_NONE;
    c.prompt_tokens = s.prompt_tokens;
    c.reused_tokens = s.reused_tokens;
    c.generated_tokens = s.generated_tokens;
    c.prefill_seconds = s.prefill_seconds;
    c.first_token_seconds = s.first_token_seconds;
    c.decode_seconds = s.decode_seconds;
    c.prefill_tokens_per_second = s.prefill_tokens_per_second();
    c.decode_tokens_per_second = s.decode_tokens_per_second();
    return c;
}

// Claims a session for one call; a second concurrent call gets BUSY.
class BusyClaim {
  public:
    explicit BusyClaim(SessionObject& s) : s_(s) {
        if (s_.busy.exchange(true))
            throw CapiError(HOARD_ERROR_BUSY,
                            "the session is already running a call (sessions take one call at a "
                            "time; cancel it or use another session)");
    }
    ~BusyClaim() { s_.busy.store(false); }
    BusyClaim(const BusyClaim&) = delete;
    BusyClaim& operator=(const BusyClaim&) = delete;

  private:
    SessionObject& s_;
};

// Marks the session as generating for telemetry, and records the result.
class GenerationRecord {
  public:
    explicit GenerationRecord(SessionObject& s) : s_(s) {
        std::lock_guard lock(s_.counters_mutex);
        s_.counters.generating = true;
        s_.counters.current_tokens = 0;
        s_.counters.current_start = Clock::now();
    }
    ~GenerationRecord() {
        std::lock_guard lock(s_.counters_mutex);
        auto& c = s_.counters;
        c.generating = false;
        c.current_seconds = std::chrono::duration<double>(Clock::now() - c.current_start).count();
        c.cached_tokens = s_.session->cached_tokens();
    }
    void token() {
        std::lock_guard lock(s_.counters_mutex);
        ++s_.counters.current_tokens;
    }
    void finished(const hoard::GenerationStats& stats) {
        std::lock_guard lock(s_.counters_mutex);
        auto& c = s_.counters;
        ++c.calls;
        c.total_prompt_tokens += stats.prompt_tokens;
        c.total_generated_tokens += stats.generated_tokens;
        c.total_prefill_seconds += stats.prefill_seconds;
        c.total_decode_seconds += stats.decode_seconds;
        c.has_last = true;
        c.last = stats;
    }
    GenerationRecord(const GenerationRecord&) = delete;
    GenerationRecord& operator=(const GenerationRecord&) = delete;

  private:
    SessionObject& s_;
};

void run_generation(SessionObject& s, std::span<const int32_t> prompt,
                    const hoard::GenerationParams& params, hoard_token_fn on_token, void* user_data,
                    hoard_generation_stats* out_stats) {
    if (prompt.empty()) fail_argument("the prompt is empty");
    if (prompt.size() > s.context_size)
        throw CapiError(HOARD_ERROR_CONTEXT_FULL,
                        "the prompt is longer than the session's context (" +
                            std::to_string(prompt.size()) + " tokens > " +
                            std::to_string(s.context_size) + ")");
    s.cancel_requested.store(false);
    GenerationRecord record(s);
    std::string text_buffer; // NUL-terminated copy of each piece of text
    const hoard::TokenCallback callback = [&](int32_t token, std::string_view text) {
        if (token >= 0) record.token();
        if (s.cancel_requested.load()) s.session->cancel();
        if (!on_token) return true;
        text_buffer.assign(text);
        return on_token(user_data, token, text_buffer.c_str(), text_buffer.size());
    };
    const hoard::GenerationStats stats = s.session->generate(prompt, params, callback);
    record.finished(stats);
    if (out_stats) write_extensible(out_stats, stats_from(stats, true));
}

std::shared_ptr<SessionObject> session_of(const hoard_session* handle) {
    return lookup<SessionObject>(handle);
}

} // namespace

extern "C" {

HOARD_API hoard_status hoard_engine_create_session(hoard_engine* engine, const hoard_model* model,
                                                   uint64_t n_ctx, hoard_session** out_session) {
    return guarded(__func__, [&] {
        require_out(out_session, "out_session");
        *out_session = nullptr;
        const auto e = lookup<EngineObject>(engine);
        const auto m = lookup<ModelObject>(model)->model;
        const auto& summary = m->summary();
        const size_t limit = summary.n_ctx_train ? summary.n_ctx_train : summary.n_ctx;
        if (n_ctx > limit)
            fail_argument("n_ctx " + std::to_string(n_ctx) + " is more than the model's context (" +
                          std::to_string(limit) + " tokens)");
        auto object = std::make_shared<SessionObject>();
        object->model = m;
        object->session = e->engine->create_session(m, size_t(n_ctx));
        object->context_size = object->session->context_size();
        *out_session = publish<hoard_session>(std::move(object));
    });
}

HOARD_API hoard_status hoard_session_free(hoard_session* session) {
    return guarded(__func__, [&] {
        const auto s = unpublish<SessionObject>(session);
        // A call still running on another thread holds its own reference: stop
        // it, and the session is destroyed when that call returns.
        if (s && s->busy.load()) {
            s->cancel_requested.store(true);
            s->session->cancel();
        }
    });
}

HOARD_API hoard_status hoard_session_context_size(const hoard_session* session,
                                                  uint64_t* out_n_ctx) {
    return guarded(__func__, [&] {
        require_out(out_n_ctx, "out_n_ctx");
        *out_n_ctx = session_of(session)->context_size;
    });
}

HOARD_API hoard_status hoard_session_reset(hoard_session* session) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        BusyClaim claim(*s);
        s->session->reset();
        std::lock_guard lock(s->counters_mutex);
        s->counters.cached_tokens = 0;
    });
}

HOARD_API hoard_status hoard_session_cancel(hoard_session* session) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        if (!s->busy.load()) return;
        s->cancel_requested.store(true);
        s->session->cancel();
    });
}

HOARD_API hoard_status hoard_generation_params_init(hoard_generation_params* params,
                                                    uint32_t struct_size) {
    return guarded(__func__, [&] {
        init_extensible(params, struct_size, params_from(hoard::GenerationParams{}), "params");
    });
}

HOARD_API hoard_status hoard_generation_params_init_greedy(hoard_generation_params* params,
                                                           uint32_t struct_size) {
    return guarded(__func__, [&] {
        hoard::GenerationParams greedy;
        greedy.sampling = hoard::SamplingParams::greedy();
        init_extensible(params, struct_size, params_from(greedy), "params");
    });
}

HOARD_API const char* hoard_stop_reason_name(hoard_stop_reason reason) {
    switch (reason) {
    case HOARD_STOP_NONE:
        return "none";
    case HOARD_STOP_END_OF_GENERATION:
        return hoard::stop_reason_name(hoard::StopReason::EndOfGeneration);
    case HOARD_STOP_MAX_TOKENS:
        return hoard::stop_reason_name(hoard::StopReason::MaxTokens);
    case HOARD_STOP_CANCELLED:
        return hoard::stop_reason_name(hoard::StopReason::Cancelled);
    case HOARD_STOP_CONTEXT_FULL:
        return hoard::stop_reason_name(hoard::StopReason::ContextFull);
    case HOARD_STOP_CALLBACK:
        return hoard::stop_reason_name(hoard::StopReason::CallbackStopped);
    }
    return "unknown";
}

HOARD_API hoard_status hoard_session_generate(hoard_session* session, const int32_t* prompt,
                                              size_t n_prompt,
                                              const hoard_generation_params* params,
                                              hoard_token_fn on_token, void* user_data,
                                              hoard_generation_stats* out_stats) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        if (out_stats) check_result_struct(out_stats, "out_stats");
        const hoard::GenerationParams p = params_argument(params);
        const auto tokens = tokens_argument(prompt, n_prompt, s->model->n_vocab(), "prompt");
        BusyClaim claim(*s);
        run_generation(*s, tokens, p, on_token, user_data, out_stats);
    });
}

HOARD_API hoard_status hoard_session_chat(hoard_session* session,
                                          const hoard_chat_message* messages, size_t n_messages,
                                          const hoard_generation_params* params,
                                          hoard_token_fn on_token, void* user_data,
                                          hoard_generation_stats* out_stats) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        if (out_stats) check_result_struct(out_stats, "out_stats");
        const hoard::GenerationParams p = params_argument(params);
        const auto list = messages_argument(messages, n_messages);
        if (list.empty()) fail_argument("no messages given");
        BusyClaim claim(*s);
        const std::vector<int32_t> tokens = s->model->tokenize_chat(list, true);
        run_generation(*s, tokens, p, on_token, user_data, out_stats);
    });
}

HOARD_API hoard_status hoard_session_last_stats(const hoard_session* session,
                                                hoard_generation_stats* out_stats) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        check_result_struct(out_stats, "out_stats");
        hoard_generation_stats stats;
        {
            std::lock_guard lock(s->counters_mutex);
            stats = stats_from(s->counters.last, s->counters.has_last);
        }
        write_extensible(out_stats, stats);
    });
}

HOARD_API hoard_status hoard_session_telemetry_snapshot(const hoard_session* session,
                                                        hoard_session_telemetry* out_telemetry) {
    return guarded(__func__, [&] {
        const auto s = session_of(session);
        check_result_struct(out_telemetry, "out_telemetry");
        hoard_session_telemetry t{};
        {
            std::lock_guard lock(s->counters_mutex);
            const SessionCounters& c = s->counters;
            t.generating = c.generating ? 1 : 0;
            t.context_size = s->context_size;
            t.cached_tokens = c.cached_tokens;
            t.calls = c.calls;
            t.current_tokens = c.current_tokens;
            t.current_seconds =
                c.generating ? std::chrono::duration<double>(Clock::now() - c.current_start).count()
                             : c.current_seconds;
            t.total_prompt_tokens = c.total_prompt_tokens;
            t.total_generated_tokens = c.total_generated_tokens;
            t.total_prefill_seconds = c.total_prefill_seconds;
            t.total_decode_seconds = c.total_decode_seconds;
        }
        write_extensible(out_telemetry, t);
    });
}

} // extern "C"
