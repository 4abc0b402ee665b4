/* Tests of the C ABI (hoard.h) from C11: loading with progress, cancellation
 * and a chosen backend, the model's description and memory plan, tokenizer
 * and chat, greedy generation against the conformance reference,
 * cancellation from another thread, telemetry, and misuse (NULL and freed
 * handles, invalid UTF-8, bad arguments) answered with errors instead of
 * crashes. Each test counts as passed when none of its checks failed. */
#include "capi_test.h"

typedef struct test_case {
    const char* name;
    void (*run)(void);
} test_case;

int main(void) {
    if (!set_up()) return 1;

    const test_case tests[] = {
        {"version_and_status_names", version_and_status_names},
        {"engine_lifecycle_and_double_free", engine_lifecycle_and_double_free},
        {"null_and_wrong_handles_are_errors", null_and_wrong_handles_are_errors},
        {"error_messages_are_per_thread", error_messages_are_per_thread},
        {"load_errors", load_errors},
        {"load_reports_progress", load_reports_progress},
        {"load_cancelled_by_the_callback", load_cancelled_by_the_callback},
        {"load_cancelled_from_another_thread", load_cancelled_from_another_thread},
        {"model_info_and_memory_plan", model_info_and_memory_plan},
        {"tokenizer_round_trip", tokenizer_round_trip},
        {"invalid_utf8_is_rejected", invalid_utf8_is_rejected},
        {"greedy_generation_reproduces_the_reference", greedy_generation_reproduces_the_reference},
        {"evaluate_agrees_with_generation", evaluate_agrees_with_generation},
        {"chat_uses_the_template", chat_uses_the_template},
        {"callback_can_stop", callback_can_stop},
        {"cancel_from_another_thread", cancel_from_another_thread},
        {"free_while_generating_on_another_thread", free_while_generating_on_another_thread},
        {"session_rejects_a_second_call", session_rejects_a_second_call},
        {"bad_generation_arguments", bad_generation_arguments},
        {"handles_after_free", handles_after_free},
        {"backend_defaults_and_queries", backend_defaults_and_queries},
        {"cpu_backend_reproduces_the_reference", cpu_backend_reproduces_the_reference},
        {"cuda_backend_loads_on_a_gpu_or_says_why_not",
         cuda_backend_loads_on_a_gpu_or_says_why_not},
        {"invalid_backend_is_rejected", invalid_backend_is_rejected},
        {"older_load_options_load_with_auto", older_load_options_load_with_auto},
        {"offloaded_load_generates_and_counts", offloaded_load_generates_and_counts},
        {"plan_budget_predicts", plan_budget_predicts},
        {"recording_gets_a_session_id", recording_gets_a_session_id},
        {"live_feed_fires_during_generation", live_feed_fires_during_generation},
        {"profiling_misuse_is_an_error", profiling_misuse_is_an_error},
    };
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof *tests; ++i) {
        checks_failed_in_test = 0;
        tests[i].run();
        if (checks_failed_in_test == 0) {
            ++passed;
            printf("PASS %s\n", tests[i].name);
        } else {
            ++failed;
            printf("FAIL %s (%d checks)\n", tests[i].name, checks_failed_in_test);
        }
        fflush(stdout);
    }
    const hoard_status model_freed = hoard_model_free(model);
    const hoard_status engine_freed = hoard_engine_free(engine);
    if (model_freed != HOARD_OK || engine_freed != HOARD_OK) {
        ++failed;
        printf("FAIL freeing the shared model and engine\n");
    }
    printf("capi: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
