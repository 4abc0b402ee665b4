/* Tests of the C ABI (hoard.h) from C11: loading with progress and
 * cancellation, the model's description and memory plan, tokenizer and chat,
 * greedy generation against the conformance reference, cancellation from
 * another thread, telemetry, and misuse (NULL and freed handles, invalid
 * UTF-8, bad arguments) answered with errors instead of crashes. */
#include "hoard/hoard.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

/* ------------------------------------------------------------ test harness */

static int checks_failed_in_test;

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

/* ------------------------------------------------------------ shared state */

#define MAX_TOKENS 256

typedef struct reference {
    int32_t prompt[MAX_TOKENS];
    size_t n_prompt;
    int32_t greedy[MAX_TOKENS];
    size_t n_greedy;
    char greedy_text[1024];
    char prompt_text[1024];
} reference;

static reference ref;
static hoard_engine* engine;
static hoard_model* model; /* tiny-mixtral-f16, shared by the tests that only read it */
static char model_path[1024];
static char conformance_dir[900];

static void conformance_file(char* out, size_t size, const char* relative) {
    snprintf(out, size, "%s/%s", conformance_dir, relative);
}

static char* read_file(const char* path) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    if (text) text[size] = '\0';
    fclose(f);
    return text;
}

/* The integers of the JSON array under "key". */
static size_t json_int_array(const char* json, const char* key, int32_t* out, size_t capacity) {
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char* at = strstr(json, quoted);
    if (!at) return 0;
    at = strchr(at, '[');
    if (!at) return 0;
    ++at;
    size_t n = 0;
    while (*at && *at != ']' && n < capacity) {
        char* end;
        const long value = strtol(at, &end, 10);
        if (end == at) {
            ++at;
            continue;
        }
        out[n++] = (int32_t)value;
        at = end;
    }
    return n;
}

static void append_utf8(char** out, char* end, unsigned long cp) {
    unsigned char bytes[4];
    int n;
    if (cp < 0x80) {
        bytes[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        bytes[0] = (unsigned char)(0xC0 | (cp >> 6));
        bytes[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        bytes[0] = (unsigned char)(0xE0 | (cp >> 12));
        bytes[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        bytes[0] = (unsigned char)(0xF0 | (cp >> 18));
        bytes[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        bytes[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    for (int i = 0; i < n && *out < end; ++i) *(*out)++ = (char)bytes[i];
}

/* The JSON string under "key", unescaped; false when absent or malformed. */
static int json_string(const char* json, const char* key, char* out, size_t capacity) {
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char* at = strstr(json, quoted);
    if (!at) return 0;
    at = strchr(at + strlen(quoted), '"');
    if (!at) return 0;
    ++at;
    char* o = out;
    char* end = out + capacity - 1;
    while (*at && *at != '"' && o < end) {
        if (*at != '\\') {
            *o++ = *at++;
            continue;
        }
        ++at;
        const char c = *at++;
        switch (c) {
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            unsigned long cp = strtoul((char[]){at[0], at[1], at[2], at[3], 0}, NULL, 16);
            at += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && at[0] == '\\' && at[1] == 'u') {
                const unsigned long low =
                    strtoul((char[]){at[2], at[3], at[4], at[5], 0}, NULL, 16);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                at += 6;
            }
            append_utf8(&o, end, cp);
            break;
        }
        default:
            *o++ = c;
            break; /* \" \\ \/ */
        }
    }
    *o = '\0';
    return *at == '"';
}

static int load_reference(void) {
    char path[1024];
    conformance_file(path, sizeof path, "models/tiny-mixtral-f16.p1.json");
    char* json = read_file(path);
    if (!json) {
        fprintf(stderr, "cannot read %s (set HOARD_CONFORMANCE_DIR)\n", path);
        return 0;
    }
    ref.n_prompt = json_int_array(json, "prompt_tokens", ref.prompt, MAX_TOKENS);
    ref.n_greedy = json_int_array(json, "greedy_tokens", ref.greedy, MAX_TOKENS);
    const int text_ok = json_string(json, "greedy_text", ref.greedy_text, sizeof ref.greedy_text);
    free(json);
    conformance_file(path, sizeof path, "models/p1.txt");
    char* prompt = read_file(path);
    if (!prompt || strlen(prompt) >= sizeof ref.prompt_text) {
        free(prompt);
        fprintf(stderr, "cannot read %s\n", path);
        return 0;
    }
    strcpy(ref.prompt_text, prompt);
    free(prompt);
    return text_ok && ref.n_prompt > 1 && ref.n_greedy == 16;
}

/* Waits until *flag reaches value; false after `seconds` (never hang). */
static int wait_for(atomic_int* flag, int value, double seconds) {
    struct timespec start, now;
    timespec_get(&start, TIME_UTC);
    while (atomic_load(flag) < value) {
        timespec_get(&now, TIME_UTC);
        if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) * 1e-9 > seconds)
            return 0;
        thrd_yield();
    }
    return 1;
}

static hoard_generation_params greedy_params(int32_t max_tokens) {
    hoard_generation_params p;
    hoard_generation_params_init_greedy(&p, sizeof p);
    p.max_tokens = max_tokens;
    p.stop_at_end_of_generation = 0;
    return p;
}

/* Collects generated tokens and text. */
typedef struct collected {
    int32_t tokens[MAX_TOKENS];
    size_t n;
    char text[4096];
    size_t text_len;
    int calls;
    int stop_after; /* return false once this many tokens came (0: never) */
} collected;

static bool collect(void* user_data, int32_t token, const char* text, size_t text_len) {
    collected* c = user_data;
    ++c->calls;
    if (token >= 0 && c->n < MAX_TOKENS) c->tokens[c->n++] = token;
    if (strlen(text) != text_len) c->text_len = (size_t)-1; /* flags a bad length */
    if (c->text_len + text_len < sizeof c->text) {
        memcpy(c->text + c->text_len, text, text_len);
        c->text_len += text_len;
        c->text[c->text_len] = '\0';
    }
    return !(c->stop_after && (int)c->n >= c->stop_after);
}

/* ------------------------------------------------------------------- tests */

static void version_and_status_names(void) {
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

static void engine_lifecycle_and_double_free(void) {
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

static void null_and_wrong_handles_are_errors(void) {
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
static void error_messages_are_per_thread(void) {
    CHECK_STATUS(hoard_session_cancel(NULL), HOARD_ERROR_INVALID_HANDLE);
    atomic_int result = 0;
    thrd_t t;
    REQUIRE(thrd_create(&t, error_thread, &result) == thrd_success, "thread started");
    thrd_join(t, NULL);
    CHECK(atomic_load(&result) == 1, "another thread does not see this thread's error");
    CHECK(hoard_last_error()[0] != '\0', "this thread still has its own");
}

static void load_errors(void) {
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

static void load_reports_progress(void) {
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

static void load_cancelled_by_the_callback(void) {
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

static void load_cancelled_from_another_thread(void) {
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

static void model_info_and_memory_plan(void) {
    hoard_model_info info = {sizeof info};
    CHECK_STATUS(hoard_model_get_info(model, &info), HOARD_OK);
    CHECK(info.struct_size == sizeof info, "the whole struct is written");
    CHECK(strcmp(info.architecture, "llama") == 0, "architecture");
    CHECK(strcmp(info.path, model_path) == 0, "path");
    CHECK(info.n_layer == 4 && info.n_embd == 256 && info.n_head == 4 && info.n_head_kv == 2,
          "shape as the conformance README states");
    CHECK(info.head_dim == 64 && info.n_expert == 8 && info.n_expert_used == 2 &&
              info.n_ff_expert == 512,
          "experts as the conformance README states");
    CHECK(info.n_vocab == 32000, "vocabulary");
    CHECK(info.has_chat_template == 0, "the conformance model has no template");
    CHECK(info.bos_token == ref.prompt[0], "BOS is the prompt's first token");
    CHECK(info.parameters_active < info.parameters_total, "fewer parameters are active");
    CHECK(info.bytes_expert > 0 && info.bytes_non_expert > 0, "bytes divide");
    CHECK(info.n_formats >= 1, "formats listed");

    hoard_format_usage usage = {sizeof usage};
    CHECK_STATUS(hoard_model_format_usage(model, 0, &usage), HOARD_OK);
    CHECK(strcmp(usage.format, "f16") == 0, "f16 holds the most bytes");
    CHECK_STATUS(hoard_model_format_usage(model, (size_t)info.n_formats, &usage),
                 HOARD_ERROR_INVALID_ARGUMENT);

    hoard_memory_plan small = {sizeof small}, large = {sizeof large}, fallback = {sizeof fallback};
    CHECK_STATUS(hoard_model_plan_memory(model, 1024, &small), HOARD_OK);
    CHECK_STATUS(hoard_model_plan_memory(model, 2048, &large), HOARD_OK);
    CHECK_STATUS(hoard_model_plan_memory(model, 0, &fallback), HOARD_OK);
    CHECK(small.n_ctx == 1024 && large.n_ctx == 2048, "the plan is at the context asked for");
    CHECK(fallback.n_ctx == info.default_context, "n_ctx 0 is the default context");
    CHECK(large.kv_cache_bytes == 2 * small.kv_cache_bytes, "the KV cache grows with the context");
    CHECK(small.kv_bytes_per_token * 1024 == small.kv_cache_bytes, "bytes per token add up");
    CHECK(small.weight_bytes == info.bytes_expert + info.bytes_non_expert, "weights add up");
    CHECK(small.total_bytes == small.weight_bytes + small.kv_cache_bytes, "the total adds up");
    /* Keys and values of 2 KV heads x 64 in 4 layers, 2 or 4 bytes each. */
    const uint64_t kv_elements = info.n_layer * 2 * info.n_head_kv * info.head_dim;
    CHECK(small.kv_bytes_per_token == kv_elements * 2 ||
              small.kv_bytes_per_token == kv_elements * 4,
          "KV bytes per token match the shape");
    CHECK_STATUS(hoard_model_plan_memory(model, HOARD_MAX_PLAN_CONTEXT + 1, &small),
                 HOARD_ERROR_INVALID_ARGUMENT);
}

static void tokenizer_round_trip(void) {
    int32_t* tokens = NULL;
    size_t n = 0;
    CHECK_STATUS(hoard_model_tokenize(model, ref.prompt_text, HOARD_NUL_TERMINATED, true, false,
                                      &tokens, &n),
                 HOARD_OK);
    REQUIRE(tokens != NULL, "tokens are returned");
    CHECK(n == ref.n_prompt && memcmp(tokens, ref.prompt, n * sizeof *tokens) == 0,
          "p1.txt tokenizes to the reference prompt_tokens");
    char* text = NULL;
    size_t len = 0;
    CHECK_STATUS(hoard_model_detokenize(model, tokens + 1, n - 1, &text, &len), HOARD_OK);
    CHECK(text && strcmp(text, ref.prompt_text) == 0 && len == strlen(ref.prompt_text),
          "detokenizing gives the text back");
    hoard_free(text);
    hoard_free(tokens);

    /* An explicit length need not end at a NUL. */
    CHECK_STATUS(hoard_model_tokenize(model, "Hello world", 5, false, false, &tokens, &n),
                 HOARD_OK);
    CHECK_STATUS(hoard_model_detokenize(model, tokens, n, &text, &len), HOARD_OK);
    CHECK(text && strcmp(text, "Hello") == 0, "only the given bytes are read");
    hoard_free(text);
    hoard_free(tokens);

    CHECK_STATUS(hoard_model_token_text(model, ref.prompt[0], &text, &len), HOARD_OK);
    CHECK(text && strcmp(text, "<s>") == 0, "token 1 is <s>");
    hoard_free(text);
    CHECK_STATUS(hoard_model_token_text(model, 32000, &text, &len), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK(text == NULL, "no text on failure");
    const int32_t bad[] = {1, -5};
    CHECK_STATUS(hoard_model_detokenize(model, bad, 2, &text, &len), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(hoard_last_error(), "tokens[1]") != NULL, "the message names the bad token");

    /* Empty text is fine; NULL with a length is not. */
    CHECK_STATUS(hoard_model_tokenize(model, NULL, 0, false, false, &tokens, &n), HOARD_OK);
    CHECK(n == 0 && tokens != NULL, "no tokens, but a pointer to free");
    hoard_free(tokens);
    CHECK_STATUS(hoard_model_tokenize(model, NULL, 3, false, false, &tokens, &n),
                 HOARD_ERROR_INVALID_ARGUMENT);
}

static void invalid_utf8_is_rejected(void) {
    static const char* const invalid[] = {
        "\xff",             /* never in UTF-8 */
        "a\x80",            /* a stray continuation byte */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xed\xa0\x80",     /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xe2\x82",         /* cut short */
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; ++i) {
        int32_t* tokens = NULL;
        size_t n = 0;
        CHECK_STATUS(hoard_model_tokenize(model, invalid[i], HOARD_NUL_TERMINATED, false, false,
                                          &tokens, &n),
                     HOARD_ERROR_INVALID_UTF8);
        CHECK(tokens == NULL, "no tokens from invalid text");
    }
    int32_t* tokens = NULL;
    size_t n = 0;
    CHECK_STATUS(hoard_model_tokenize(model, "\xe2\x82\xac \xf0\x9f\x98\x80", HOARD_NUL_TERMINATED,
                                      false, false, &tokens, &n),
                 HOARD_OK); /* "€ 😀" */
    hoard_free(tokens);

    const hoard_chat_message bad_message = {"user", HOARD_NUL_TERMINATED, "caf\xe9",
                                            HOARD_NUL_TERMINATED};
    char* text = NULL;
    CHECK_STATUS(hoard_model_render_chat(model, &bad_message, 1, true, &text, NULL),
                 HOARD_ERROR_INVALID_UTF8);
    CHECK(strstr(hoard_last_error(), "messages[0].content") != NULL, "names the field");
}

static void greedy_generation_reproduces_the_reference(void) {
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
    CHECK(c.text_len != (size_t)-1, "text_len matches the NUL-terminated text");
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

static void evaluate_agrees_with_generation(void) {
    float* logits = NULL;
    size_t n = 0;
    CHECK_STATUS(hoard_model_evaluate(model, ref.prompt, ref.n_prompt, &logits, &n), HOARD_OK);
    REQUIRE(logits != NULL && n == ref.n_prompt * 32000, "n_tokens x n_vocab logits");
    const float* last = logits + (ref.n_prompt - 1) * 32000;
    size_t best = 0;
    for (size_t i = 1; i < 32000; ++i)
        if (last[i] > last[best]) best = i;
    CHECK((int32_t)best == ref.greedy[0], "the last row's argmax is the first greedy token");
    hoard_free(logits);
    CHECK_STATUS(hoard_model_evaluate(model, ref.prompt, 0, &logits, &n),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_model_evaluate(model, ref.prompt, 5000, &logits, &n),
                 HOARD_ERROR_INVALID_ARGUMENT); /* more than the trained context */
}

static void chat_uses_the_template(void) {
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

static void callback_can_stop(void) {
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

static void cancel_from_another_thread(void) {
    run_cancel_scenario(0);
}

static void free_while_generating_on_another_thread(void) {
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

static void session_rejects_a_second_call(void) {
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

static void bad_generation_arguments(void) {
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

static void handles_after_free(void) {
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

/* ------------------------------------------------------------------- main */

typedef struct test_case {
    const char* name;
    void (*run)(void);
} test_case;

int main(void) {
    const char* env = getenv("HOARD_CONFORMANCE_DIR");
    snprintf(conformance_dir, sizeof conformance_dir, "%s",
             env && *env ? env : HOARD_CONFORMANCE_DIR_DEFAULT);
    conformance_file(model_path, sizeof model_path, "models/tiny-mixtral-f16.gguf");
    if (!load_reference()) {
        fprintf(stderr, "capi: cannot read the conformance reference in %s\n", conformance_dir);
        return 1;
    }
    hoard_engine_options options;
    hoard_engine_options_init(&options, sizeof options);
    if (hoard_engine_create(&options, &engine) != HOARD_OK ||
        hoard_engine_load_model(engine, model_path, NULL, &model) != HOARD_OK) {
        fprintf(stderr, "capi: cannot load %s: %s\n", model_path, hoard_last_error());
        return 1;
    }

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
