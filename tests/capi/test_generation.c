/* The C ABI's sessions from C11: greedy generation reproducing the reference,
 * chat, the token callback, cancellation and freeing from another thread,
 * one call at a time, and bad arguments. */
#include "capi_test.h"

#include <math.h>
#include <threads.h>

void greedy_generation_reproduces_the_reference(void) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 256, &s), HOARD_OK);
    REQUIRE(s != NULL, "a session is created");
    uint64_t n_ctx = 0;
    CHECK_STATUS(hoard_session_context_size(s, &n_ctx), HOARD_OK);
    CHECK(n_ctx == 256, "the context asked for");

    hoard_generation_stats stats = {sizeof stats};
    CHECK_STATUS(hoard_session_last_stats(s, &stats), HOARD_OK);
    CHECK(stats.stop_reason == HOARD_STOP_NONE, "no stats before the first call");

    const hoard_generation_params params = greedy_params((int32_t)ref.n_greedy);
    collected c = {0};
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, collect, &c, &stats),
                 HOARD_OK);
    CHECK(c.n == ref.n_greedy && memcmp(c.tokens, ref.greedy, c.n * sizeof *c.tokens) == 0,
          "greedy decoding gives the reference greedy_tokens");
    CHECK(!c.bad_length, "text_len matches the NUL-terminated text");
    CHECK(strcmp(c.text, ref.greedy_text) == 0, "the streamed text is the reference greedy_text");
    CHECK(stats.stop_reason == HOARD_STOP_MAX_TOKENS, "stops at the token limit");
    CHECK(stats.prompt_tokens == ref.n_prompt && stats.generated_tokens == ref.n_greedy,
          "stats count the tokens");
    CHECK(stats.reused_tokens == 0, "nothing cached on the first call");
    CHECK(stats.prefill_seconds > 0 && stats.decode_tokens_per_second > 0, "timings");

    hoard_session_telemetry t = {sizeof t};
    CHECK_STATUS(hoard_session_telemetry_snapshot(s, &t), HOARD_OK);
    CHECK(t.generating == 0 && t.calls == 1 && t.context_size == 256, "telemetry after a call");
    CHECK(t.current_tokens == ref.n_greedy && t.total_generated_tokens == ref.n_greedy,
          "telemetry counts the tokens");
    CHECK(t.cached_tokens >= ref.n_prompt && t.cached_tokens <= ref.n_prompt + ref.n_greedy,
          "the cache holds the prompt and the generated tokens");

    /* The same prompt again: the cached prefix is reused, the result is the same. */
    collected again = {0};
    CHECK_STATUS(
        hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, collect, &again, &stats),
        HOARD_OK);
    CHECK(stats.reused_tokens == ref.n_prompt - 1, "the prompt comes from the cache");
    CHECK(again.n == c.n && memcmp(again.tokens, c.tokens, c.n * sizeof *c.tokens) == 0,
          "deterministic");
    hoard_generation_stats last = {sizeof last};
    CHECK_STATUS(hoard_session_last_stats(s, &last), HOARD_OK);
    CHECK(last.reused_tokens == stats.reused_tokens && last.stop_reason == stats.stop_reason,
          "last_stats is the last call's");

    CHECK_STATUS(hoard_session_reset(s), HOARD_OK);
    CHECK_STATUS(hoard_session_telemetry_snapshot(s, &t), HOARD_OK);
    CHECK(t.cached_tokens == 0, "reset empties the cache");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
}

void chat_uses_the_template(void) {
    const hoard_chat_message messages[] = {
        {"system", HOARD_NUL_TERMINATED, "Be brief.", HOARD_NUL_TERMINATED},
        {"user", 4, "Hi there", 2}, /* lengths cut "Hi there" to "Hi" */
    };
    char* text = NULL;
    size_t len = 0;
    CHECK_STATUS(hoard_model_render_chat(model, messages, 2, true, &text, &len), HOARD_OK);
    CHECK(text && strcmp(text, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi"
                               "<|im_end|>\n<|im_start|>assistant\n") == 0,
          "ChatML, as the model has no template of its own");
    hoard_free(text);
    CHECK_STATUS(hoard_model_chat_template(model, &text, &len), HOARD_OK);
    CHECK(text && strstr(text, "<|im_start|>") != NULL && len == strlen(text), "ChatML source");
    hoard_free(text);

    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 128, &s), HOARD_OK);
    const hoard_generation_params params = greedy_params(4);
    collected c = {0};
    hoard_generation_stats stats = {sizeof stats};
    CHECK_STATUS(hoard_session_chat(s, messages, 2, &params, collect, &c, &stats), HOARD_OK);
    CHECK(c.n == 4 && stats.generated_tokens == 4, "a reply is generated");
    CHECK_STATUS(hoard_session_chat(s, messages, 0, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    const hoard_chat_message no_role = {"", HOARD_NUL_TERMINATED, "x", HOARD_NUL_TERMINATED};
    CHECK_STATUS(hoard_session_chat(s, &no_role, 1, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
}

void callback_can_stop(void) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 64, &s), HOARD_OK);
    hoard_generation_params params;
    hoard_generation_params_init(&params, sizeof params); /* sampled, not greedy */
    params.stop_at_end_of_generation = 0;
    collected c = {0};
    c.stop_after = 2;
    hoard_generation_stats stats = {sizeof stats};
    const int32_t prompt[] = {1, 5};
    CHECK_STATUS(hoard_session_generate(s, prompt, 2, &params, collect, &c, &stats), HOARD_OK);
    CHECK(stats.stop_reason == HOARD_STOP_CALLBACK, "the callback's false stops generation");
    CHECK(c.n == 2, "no token after the callback said stop");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
}

/* Cancellation from another thread: the token callback announces the first
 * token, then holds generation until the other thread has cancelled, so the
 * test does not depend on timing. */
typedef struct cancel_scenario {
    hoard_session* session;
    atomic_int tokens_seen;
    atomic_int cancel_sent;
    atomic_int generating_seen; /* telemetry from the other thread said generating */
    int free_instead;           /* free the session rather than cancel it */
    hoard_status other_thread_status;
} cancel_scenario;

static bool hold_until_cancelled(void* user_data, int32_t token, const char* text, size_t len) {
    (void)text;
    (void)len;
    cancel_scenario* c = user_data;
    if (token < 0) return true;
    atomic_fetch_add(&c->tokens_seen, 1);
    if (atomic_load(&c->tokens_seen) == 1) wait_for(&c->cancel_sent, 1, 30.0);
    return true;
}

static int canceller(void* arg) {
    cancel_scenario* c = arg;
    if (!wait_for(&c->tokens_seen, 1, 30.0)) return 1;
    hoard_session_telemetry t = {sizeof t};
    if (hoard_session_telemetry_snapshot(c->session, &t) == HOARD_OK && t.generating == 1 &&
        t.current_tokens >= 1)
        atomic_store(&c->generating_seen, 1);
    c->other_thread_status =
        c->free_instead ? hoard_session_free(c->session) : hoard_session_cancel(c->session);
    atomic_store(&c->cancel_sent, 1);
    return 0;
}

static void run_cancel_scenario(int free_instead) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 4096, &s), HOARD_OK);
    REQUIRE(s != NULL, "a session is created");
    cancel_scenario c = {s, 0, 0, 0, free_instead, -1};
    thrd_t t;
    REQUIRE(thrd_create(&t, canceller, &c) == thrd_success, "thread started");
    hoard_generation_params params;
    hoard_generation_params_init(&params, sizeof params);
    params.max_tokens = -1; /* until the context is full, unless cancelled */
    params.stop_at_end_of_generation = 0;
    hoard_generation_stats stats = {sizeof stats};
    const int32_t prompt[] = {1, 2, 3};
    CHECK_STATUS(hoard_session_generate(s, prompt, 3, &params, hold_until_cancelled, &c, &stats),
                 HOARD_OK);
    int rc = 1;
    thrd_join(t, &rc);
    CHECK(rc == 0, "the other thread saw a token");
    CHECK(c.other_thread_status == HOARD_OK, "cancel/free from the other thread succeeded");
    CHECK(atomic_load(&c.generating_seen) == 1, "telemetry from the other thread: generating");
    CHECK(stats.stop_reason == HOARD_STOP_CANCELLED, "generation stops as cancelled");
    CHECK(stats.generated_tokens < 10, "promptly");
    if (free_instead) {
        CHECK_STATUS(hoard_session_cancel(s), HOARD_ERROR_INVALID_HANDLE);
        CHECK_STATUS(hoard_session_free(s), HOARD_ERROR_INVALID_HANDLE);
    } else {
        /* The session goes on after a cancel. */
        const hoard_generation_params two = greedy_params(2);
        CHECK_STATUS(hoard_session_generate(s, prompt, 3, &two, NULL, NULL, &stats), HOARD_OK);
        CHECK(stats.stop_reason == HOARD_STOP_MAX_TOKENS, "a later call is not cancelled");
        CHECK_STATUS(hoard_session_cancel(s), HOARD_OK); /* idle: does nothing */
        CHECK_STATUS(hoard_session_free(s), HOARD_OK);
    }
}

void cancel_from_another_thread(void) {
    run_cancel_scenario(0);
}

void free_while_generating_on_another_thread(void) {
    run_cancel_scenario(1);
}

/* Calls into the session from its own token callback. */
typedef struct reentry {
    hoard_session* session;
    hoard_status generate_status, reset_status, cancel_status;
    int calls;
} reentry;

static bool reenter(void* user_data, int32_t token, const char* text, size_t len) {
    (void)token;
    (void)text;
    (void)len;
    reentry* r = user_data;
    if (r->calls++ > 0) return true;
    const int32_t prompt[] = {1};
    r->generate_status = hoard_session_generate(r->session, prompt, 1, NULL, NULL, NULL, NULL);
    r->reset_status = hoard_session_reset(r->session);
    r->cancel_status = hoard_session_cancel(r->session);
    return true;
}

void session_rejects_a_second_call(void) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 128, &s), HOARD_OK);
    reentry r = {s, -1, -1, -1, 0};
    const hoard_generation_params params = greedy_params(50);
    hoard_generation_stats stats = {sizeof stats};
    const int32_t prompt[] = {1, 2};
    CHECK_STATUS(hoard_session_generate(s, prompt, 2, &params, reenter, &r, &stats), HOARD_OK);
    CHECK(r.generate_status == HOARD_ERROR_BUSY, "generate inside the callback: BUSY");
    CHECK(r.reset_status == HOARD_ERROR_BUSY, "reset inside the callback: BUSY");
    CHECK(r.cancel_status == HOARD_OK, "cancel inside the callback is allowed");
    CHECK(stats.stop_reason == HOARD_STOP_CANCELLED && stats.generated_tokens <= 2,
          "and it cancels");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
}

void bad_generation_arguments(void) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 8, &s), HOARD_OK);
    const int32_t nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_STATUS(hoard_session_generate(s, nine, 9, NULL, NULL, NULL, NULL),
                 HOARD_ERROR_CONTEXT_FULL);
    CHECK_STATUS(hoard_session_generate(s, nine, 0, NULL, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_session_generate(s, NULL, 3, NULL, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    const int32_t out_of_range[] = {1, 32000};
    CHECK_STATUS(hoard_session_generate(s, out_of_range, 2, NULL, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    hoard_generation_params params = greedy_params(2);
    params.temperature = NAN;
    CHECK_STATUS(hoard_session_generate(s, nine, 2, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    params = greedy_params(2);
    params.top_p = 1.5f;
    CHECK_STATUS(hoard_session_generate(s, nine, 2, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    params = greedy_params(2);
    params.struct_size = 8;
    CHECK_STATUS(hoard_session_generate(s, nine, 2, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    hoard_generation_stats tiny = {4};
    params = greedy_params(2);
    CHECK_STATUS(hoard_session_generate(s, nine, 2, &params, NULL, NULL, &tiny),
                 HOARD_ERROR_INVALID_ARGUMENT);
    /* Full context: generation stops there rather than failing. */
    params.max_tokens = 100;
    hoard_generation_stats stats = {sizeof stats};
    CHECK_STATUS(hoard_session_generate(s, nine, 3, &params, NULL, NULL, &stats), HOARD_OK);
    CHECK(stats.stop_reason == HOARD_STOP_CONTEXT_FULL, "stops when the context is full");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);

    CHECK_STATUS(hoard_engine_create_session(engine, model, 1u << 20, &s),
                 HOARD_ERROR_INVALID_ARGUMENT); /* past the trained context */
}
