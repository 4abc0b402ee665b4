/* Shared by the C ABI test files: the check macros, the reference data and
 * the engine and model the tests share, and small helpers. */
#ifndef HOARD_TESTS_CAPI_TEST_H
#define HOARD_TESTS_CAPI_TEST_H

#include "hoard/hoard.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Checks that failed in the running test; main() resets it per test. */
extern int checks_failed_in_test;

#define CHECK(condition, message)                                                                  \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            ++checks_failed_in_test;                                                               \
            fprintf(stderr, "  FAILED %s:%d: %s\n    (%s)\n    last error: %s\n", __FILE__,        \
                    __LINE__, message, #condition, hoard_last_error());                            \
        }                                                                                          \
    } while (0)

/* A status check that shows which status came back and its message. */
#define CHECK_STATUS(call, expected)                                                               \
    do {                                                                                           \
        const hoard_status got_ = (call);                                                          \
        if (got_ != (expected)) {                                                                  \
            ++checks_failed_in_test;                                                               \
            fprintf(stderr, "  FAILED %s:%d: %s\n    returned %s, expected %s\n    message: %s\n", \
                    __FILE__, __LINE__, #call, hoard_status_name(got_),                            \
                    hoard_status_name(expected), hoard_last_error());                              \
        }                                                                                          \
    } while (0)

/* Stops the test when a prerequisite fails. */
#define REQUIRE(condition, message)                                                                \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            CHECK(condition, message);                                                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define MAX_TOKENS 256

/* tiny-mixtral-f16 with prompt p1, from the conformance data. */
typedef struct reference {
    int32_t prompt[MAX_TOKENS];
    size_t n_prompt;
    int32_t greedy[MAX_TOKENS];
    size_t n_greedy;
    char greedy_text[1024];
    char prompt_text[1024];
} reference;

extern reference ref;
extern hoard_engine* engine;
extern hoard_model* model; /* tiny-mixtral-f16, shared by the tests that only read it */
extern char model_path[1024];
extern char conformance_dir[900];

void conformance_file(char* out, size_t size, const char* relative);
/* Reads the reference and opens the shared engine and model; false on failure. */
bool set_up(void);
/* Waits until *flag reaches value; false after `seconds` (never hang). */
bool wait_for(atomic_int* flag, int value, double seconds);
/* Greedy decoding of max_tokens, not stopping at end of generation. */
hoard_generation_params greedy_params(int32_t max_tokens);

/* Collects generated tokens and text (a hoard_token_fn). */
typedef struct collected {
    int32_t tokens[MAX_TOKENS];
    size_t n;
    char text[4096];
    size_t text_len;
    bool bad_length; /* a text_len that differs from strlen(text) came */
    int calls;
    int stop_after; /* return false once this many tokens came (0: never) */
} collected;
bool collect(void* user_data, int32_t token, const char* text, size_t text_len);

/* The tests, by file. */
void version_and_status_names(void);
void engine_lifecycle_and_double_free(void);
void null_and_wrong_handles_are_errors(void);
void error_messages_are_per_thread(void);
void load_errors(void);
void load_reports_progress(void);
void load_cancelled_by_the_callback(void);
void load_cancelled_from_another_thread(void);
void handles_after_free(void);

void model_info_and_memory_plan(void);
void tokenizer_round_trip(void);
void invalid_utf8_is_rejected(void);
void evaluate_agrees_with_generation(void);

void greedy_generation_reproduces_the_reference(void);
void chat_uses_the_template(void);
void callback_can_stop(void);
void cancel_from_another_thread(void);
void free_while_generating_on_another_thread(void);
void session_rejects_a_second_call(void);
void bad_generation_arguments(void);

void backend_defaults_and_queries(void);
void cpu_backend_reproduces_the_reference(void);
void cuda_backend_loads_on_a_gpu_or_says_why_not(void);
void invalid_backend_is_rejected(void);
void older_load_options_load_with_auto(void);

void offloaded_load_generates_and_counts(void);
void plan_budget_predicts(void);
void recording_gets_a_session_id(void);
void live_feed_fires_during_generation(void);
void profiling_misuse_is_an_error(void);

#endif
