/* The C ABI's basics from C11: version, status names, the thread-local error,
 * engines, handles that are NULL, freed or of the wrong kind, and loading
 * with progress and cancellation (by the callback and from another thread). */
#include "capi_test.h"

#include <threads.h>

void version_and_status_names(void) {
    const char* v = hoard_version();
    REQUIRE(v != NULL, "hoard_version returns a string");
    int major, minor, patch;
    CHECK(sscanf(v, "%d.%d.%d", &major, &minor, &patch) == 3, "the version is MAJOR.MINOR.PATCH");
    CHECK(hoard_abi_version() == HOARD_ABI_VERSION, "the library's ABI matches the header's");
    CHECK(strcmp(hoard_status_name(HOARD_ERROR_BUSY), "HOARD_ERROR_BUSY") == 0, "status names");
    CHECK(strcmp(hoard_status_name(12345), "HOARD_UNKNOWN_STATUS") == 0, "unknown status name");
    CHECK(strcmp(hoard_stop_reason_name(HOARD_STOP_CANCELLED), "cancelled") == 0,
          "stop reason names");
    hoard_free(NULL); /* allowed */
}

void engine_lifecycle_and_double_free(void) {
    hoard_engine_options options;
    CHECK_STATUS(hoard_engine_options_init(&options, sizeof options), HOARD_OK);
    CHECK(options.struct_size == sizeof options && options.n_threads == 0, "defaults");
    options.n_threads = 2;
    hoard_engine* e = NULL;
    CHECK_STATUS(hoard_engine_create(&options, &e), HOARD_OK);
    REQUIRE(e != NULL, "an engine is created");
    CHECK(strcmp(hoard_last_error(), "") == 0, "success leaves an empty message");
    CHECK(hoard_last_error_code() == HOARD_OK, "success leaves HOARD_OK");
    uint32_t n = 0;
    CHECK_STATUS(hoard_engine_n_threads(e, &n), HOARD_OK);
    CHECK(n == 2, "the engine has the threads asked for");
    CHECK_STATUS(hoard_engine_free(e), HOARD_OK);
    CHECK_STATUS(hoard_engine_free(e), HOARD_ERROR_INVALID_HANDLE);
    CHECK(strstr(hoard_last_error(), "hoard_engine_free") != NULL,
          "the message names the function");
    CHECK(hoard_last_error_code() == HOARD_ERROR_INVALID_HANDLE, "the code is kept");
    CHECK_STATUS(hoard_engine_n_threads(e, &n), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_engine_free(NULL), HOARD_OK);

    options.struct_size = 2; /* smaller than any version */
    e = NULL;
    CHECK_STATUS(hoard_engine_create(&options, &e), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK(e == NULL, "no engine on failure");
    CHECK_STATUS(hoard_engine_create(NULL, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_engine_options_init(&options, 3), HOARD_ERROR_INVALID_ARGUMENT);
}

void null_and_wrong_handles_are_errors(void) {
    hoard_model_info info = {sizeof info};
    CHECK_STATUS(hoard_model_get_info(NULL, &info), HOARD_ERROR_INVALID_HANDLE);
    CHECK(strstr(hoard_last_error(), "NULL") != NULL, "the message says the handle is NULL");
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(NULL, model_path, NULL, &m), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_session_generate(NULL, ref.prompt, ref.n_prompt, NULL, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_session_cancel(NULL), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_session_reset(NULL), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_cancel_token_cancel(NULL), HOARD_ERROR_INVALID_HANDLE);
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, NULL, 0, &s), HOARD_ERROR_INVALID_HANDLE);
    CHECK(s == NULL, "no session on failure");

    /* A handle of another kind. */
    CHECK_STATUS(hoard_session_cancel((hoard_session*)(void*)model), HOARD_ERROR_INVALID_HANDLE);
    CHECK(strstr(hoard_last_error(), "model handle") != NULL, "the message names both kinds");
    CHECK_STATUS(hoard_model_get_info((hoard_model*)(void*)engine, &info),
                 HOARD_ERROR_INVALID_HANDLE);
    /* A made-up value. */
    CHECK_STATUS(hoard_model_get_info((hoard_model*)(uintptr_t)0xdeadbeef, &info),
                 HOARD_ERROR_INVALID_HANDLE);

    /* NULL out-pointers and too small result structs. */
    CHECK_STATUS(hoard_model_get_info(model, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    info.struct_size = 4;
    CHECK_STATUS(hoard_model_get_info(model, &info), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_engine_create_session(engine, model, 0, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_engine_load_model(engine, NULL, NULL, &m), HOARD_ERROR_INVALID_ARGUMENT);
}

static void error_messages_are_per_thread_worker(atomic_int* result) {
    /* A fresh thread starts with no error, whatever the main thread did. */
    atomic_store(result, strcmp(hoard_last_error(), "") == 0 ? 1 : 2);
}
static int error_thread(void* arg) {
    error_messages_are_per_thread_worker(arg);
    return 0;
}
void error_messages_are_per_thread(void) {
    CHECK_STATUS(hoard_session_cancel(NULL), HOARD_ERROR_INVALID_HANDLE);
    atomic_int result = 0;
    thrd_t t;
    REQUIRE(thrd_create(&t, error_thread, &result) == thrd_success, "thread started");
    thrd_join(t, NULL);
    CHECK(atomic_load(&result) == 1, "another thread does not see this thread's error");
    CHECK(hoard_last_error()[0] != '\0', "this thread still has its own");
}

void load_errors(void) {
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, "/nonexistent/model.gguf", NULL, &m),
                 HOARD_ERROR_NOT_FOUND);
    CHECK(m == NULL, "no model on failure");
    CHECK(strstr(hoard_last_error(), "/nonexistent/model.gguf") != NULL, "names the file");
    char path[1024];
    conformance_file(path, sizeof path, "models/p1.txt");
    CHECK_STATUS(hoard_engine_load_model(engine, path, NULL, &m), HOARD_ERROR_BAD_MODEL);
    CHECK(m == NULL, "no model from a text file");
    CHECK_STATUS(hoard_engine_load_model(engine, conformance_dir, NULL, &m), HOARD_ERROR_BAD_MODEL);
    CHECK_STATUS(hoard_engine_load_model(engine, "", NULL, &m), HOARD_ERROR_INVALID_ARGUMENT);
}

typedef struct progress_log {
    int calls;
    double last;
    int monotonic;
    int stages_named;
    int cancel_at; /* return false on this call (0: never) */
    hoard_cancel_token* token_to_raise_from_a_thread;
    int token_raised;
} progress_log;

static int raise_token(void* token) {
    return hoard_cancel_token_cancel(token) == HOARD_OK ? 0 : 1;
}

static bool on_progress(void* user_data, double fraction, const char* stage) {
    progress_log* log = user_data;
    ++log->calls;
    if (fraction < log->last || fraction < 0 || fraction > 1) log->monotonic = 0;
    if (stage && stage[0]) ++log->stages_named;
    log->last = fraction;
    if (log->token_to_raise_from_a_thread && log->calls == 1) {
        thrd_t t;
        int rc = 1;
        if (thrd_create(&t, raise_token, log->token_to_raise_from_a_thread) == thrd_success)
            thrd_join(t, &rc);
        log->token_raised = rc == 0;
    }
    return log->cancel_at == 0 || log->calls < log->cancel_at;
}

void load_reports_progress(void) {
    progress_log log = {.monotonic = 1};
    hoard_load_options options;
    CHECK_STATUS(hoard_load_options_init(&options, sizeof options), HOARD_OK);
    options.progress = on_progress;
    options.progress_user_data = &log;
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_OK);
    CHECK(m != NULL, "the model loads");
    CHECK(log.calls >= 2, "progress is reported more than once");
    CHECK(log.monotonic, "fractions rise within [0, 1]");
    CHECK(log.last == 1.0, "the last report is 1");
    CHECK(log.stages_named == log.calls, "every report names its stage");
    CHECK_STATUS(hoard_model_free(m), HOARD_OK);
}

void load_cancelled_by_the_callback(void) {
    progress_log log = {.monotonic = 1, .cancel_at = 2};
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.progress = on_progress;
    options.progress_user_data = &log;
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_ERROR_CANCELLED);
    CHECK(m == NULL, "no model from a cancelled load");
    CHECK(strstr(hoard_last_error(), "cancelled") != NULL, "the message says so");
    CHECK(log.calls == 2, "no progress after the callback said stop");
}

void load_cancelled_from_another_thread(void) {
    hoard_cancel_token* token = NULL;
    CHECK_STATUS(hoard_cancel_token_create(&token), HOARD_OK);
    bool cancelled = true;
    CHECK_STATUS(hoard_cancel_token_is_cancelled(token, &cancelled), HOARD_OK);
    CHECK(!cancelled, "a token starts lowered");
    /* The first progress report starts a thread that raises the token. */
    progress_log log = {.monotonic = 1, .token_to_raise_from_a_thread = token};
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.progress = on_progress;
    options.progress_user_data = &log;
    options.cancel = token;
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_ERROR_CANCELLED);
    CHECK(m == NULL, "no model from a cancelled load");
    CHECK(log.token_raised, "the other thread raised the token");
    CHECK(log.last < 1.0, "the load stopped before the end");

    /* A raised token cancels at once; reset, it lets the load through. */
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_ERROR_CANCELLED);
    CHECK_STATUS(hoard_cancel_token_reset(token), HOARD_OK);
    log.token_to_raise_from_a_thread = NULL;
    log.last = 0;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_OK);
    CHECK_STATUS(hoard_model_free(m), HOARD_OK);

    CHECK_STATUS(hoard_cancel_token_free(token), HOARD_OK);
    CHECK_STATUS(hoard_cancel_token_cancel(token), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m),
                 HOARD_ERROR_INVALID_HANDLE);
}

void handles_after_free(void) {
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, NULL, &m), HOARD_OK);
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, m, 64, &s), HOARD_OK);
    CHECK_STATUS(hoard_model_free(m), HOARD_OK);
    hoard_model_info info = {sizeof info};
    CHECK_STATUS(hoard_model_get_info(m, &info), HOARD_ERROR_INVALID_HANDLE);
    CHECK(strstr(hoard_last_error(), "already freed") != NULL, "the message says why");
    CHECK_STATUS(hoard_model_free(m), HOARD_ERROR_INVALID_HANDLE);
    hoard_session* not_created = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, m, 64, &not_created),
                 HOARD_ERROR_INVALID_HANDLE);

    /* The session keeps its model alive. */
    const hoard_generation_params params = greedy_params(3);
    hoard_generation_stats stats = {sizeof stats};
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, NULL, NULL, &stats),
                 HOARD_OK);
    CHECK(stats.generated_tokens == 3, "a session outlives its model handle");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
    CHECK_STATUS(hoard_session_free(s), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, 2, &params, NULL, NULL, NULL),
                 HOARD_ERROR_INVALID_HANDLE);

    /* An engine freed before its model and session. */
    hoard_engine* e = NULL;
    CHECK_STATUS(hoard_engine_create(NULL, &e), HOARD_OK);
    CHECK_STATUS(hoard_engine_load_model(e, model_path, NULL, &m), HOARD_OK);
    CHECK_STATUS(hoard_engine_create_session(e, m, 64, &s), HOARD_OK);
    CHECK_STATUS(hoard_engine_free(e), HOARD_OK);
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, NULL, NULL, &stats),
                 HOARD_OK);
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
    CHECK_STATUS(hoard_model_free(m), HOARD_OK);
}
