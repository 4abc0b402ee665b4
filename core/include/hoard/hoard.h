/*
 * hoard.h: the C ABI of the Hoard engine (libhoard.so).
 *
 * A stable C interface over the engine facade (hoard/engine.hpp) for programs
 * in C, Rust (core/rust) and anything else with a C FFI. No C++ type or
 * exception crosses it: every function catches everything at the boundary and
 * reports failure as a status code plus a message.
 *
 * ERRORS
 *   Functions that can fail return hoard_status (HOARD_OK or an error code).
 *   Each such call also sets a thread-local message: empty on success, a
 *   sentence a user understands on failure; read it with hoard_last_error().
 *   On failure, out-parameters are left NULL/zero where they are pointers to
 *   handles or buffers.
 *
 * HANDLES AND OWNERSHIP
 *   hoard_engine, hoard_model, hoard_session and hoard_cancel_token (and
 *   hoard_recording, hoard_live_feed, further below) are opaque
 *   handles. The caller owns each handle it receives and frees it once with
 *   the matching *_free function. Handles may be freed in any order: a model
 *   keeps the engine's worker threads alive, a session keeps its model alive.
 *   Freeing NULL does nothing and returns HOARD_OK.
 *   Handles are not pointers to memory but identifiers that are never reused
 *   within a process. Every call looks the handle up, so a NULL handle, a
 *   handle that was already freed (use after free, double free), or a handle
 *   of the wrong kind is reported as HOARD_ERROR_INVALID_HANDLE instead of
 *   crashing. This protection is best effort in that it cannot catch a
 *   garbage value that happens to equal a live handle; do not rely on it as a
 *   feature.
 *   Memory the library returns (strings, token and logit arrays) belongs to
 *   the caller and is released with hoard_free(). Strings returned through
 *   char** are UTF-8 and NUL-terminated; the length excludes the NUL.
 *
 * TEXT
 *   Text going in is UTF-8 given as (pointer, length); pass
 *   HOARD_NUL_TERMINATED as the length for a NUL-terminated string. Invalid
 *   UTF-8 is rejected with HOARD_ERROR_INVALID_UTF8. File paths are
 *   NUL-terminated byte strings in the operating system's encoding.
 *
 * THREAD SAFETY
 *   - Version, error and hoard_free functions: any thread. The error message
 *     is per thread.
 *   - Engine: load models and create sessions from any number of threads.
 *   - Model: immutable once loaded; every hoard_model_* function may run on
 *     any number of threads at once.
 *   - Session: one conversation, used by one call at a time. A second
 *     generate/chat/reset while one runs fails with HOARD_ERROR_BUSY (also
 *     from inside its own token callback). hoard_session_cancel,
 *     hoard_session_telemetry_snapshot, hoard_session_last_stats,
 *     hoard_session_context_size and hoard_session_free may be called from
 *     any thread at any time; freeing a session that is generating cancels the
 *     generation, and the session is destroyed when that call returns.
 *   - Cancel tokens: any thread.
 *   Callbacks run on the thread that made the call. They must return
 *   normally: a C++ exception or Rust panic must not unwind through the
 *   library.
 *
 * EXTENSIBLE STRUCTS
 *   Structs whose first field is `struct_size` grow by appending fields, so
 *   that programs built against an older hoard.h keep working:
 *   - options and parameters (going in): fill them with the matching *_init
 *     function, which sets struct_size and every default, then change what
 *     you need. Fields beyond the caller's struct_size take their defaults.
 *   - results (coming out): set struct_size = sizeof(the struct) before the
 *     call; the library writes no further than that and sets struct_size to
 *     the number of bytes it wrote.
 *   A struct_size smaller than the first version of the struct is rejected
 *   with HOARD_ERROR_INVALID_ARGUMENT.
 */
#ifndef HOARD_HOARD_H
#define HOARD_HOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(HOARD_BUILDING_LIBRARY)
#define HOARD_API __declspec(dllexport)
#else
#define HOARD_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define HOARD_API __attribute__((visibility("default")))
#else
#define HOARD_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Incremented only when a change breaks programs built against an older
 * hoard.h; it is also the shared library's SONAME version (libhoard.so.N). */
#define HOARD_ABI_VERSION 1

/* As a text length: the text ends at its first NUL byte. */
#define HOARD_NUL_TERMINATED ((size_t)-1)

/* ---------------------------------------------------------------- status */

typedef int32_t hoard_status;
enum {
    HOARD_OK = 0,
    HOARD_ERROR_INVALID_ARGUMENT = 1, /* NULL out-pointer, value out of range, bad struct_size */
    HOARD_ERROR_INVALID_HANDLE = 2,   /* NULL, freed, or the wrong kind of handle */
    HOARD_ERROR_INVALID_UTF8 = 3,     /* text that is not valid UTF-8 */
    HOARD_ERROR_NOT_FOUND = 4,        /* the model file does not exist */
    HOARD_ERROR_BAD_MODEL = 5,        /* the file is malformed or its model is unsupported */
    HOARD_ERROR_CANCELLED = 6,        /* model loading was cancelled */
    HOARD_ERROR_BUSY = 7,             /* the session is already running a call */
    HOARD_ERROR_CONTEXT_FULL = 8,     /* the prompt does not fit the session's context */
    HOARD_ERROR_FAILED = 9,           /* the engine refused the request; the message says why */
    HOARD_ERROR_OUT_OF_MEMORY = 10,
    HOARD_ERROR_INTERNAL = 11 /* an unexpected failure inside the library (a bug) */
};

/* The message of the last call on this thread that returned a status: "" when
 * it succeeded. Never NULL; valid until this thread's next hoard_* call. */
HOARD_API const char* hoard_last_error(void);
/* The status of that call. */
HOARD_API hoard_status hoard_last_error_code(void);
/* The constant's name ("HOARD_ERROR_BUSY"); "HOARD_UNKNOWN_STATUS" for others. */
HOARD_API const char* hoard_status_name(hoard_status status);

/* --------------------------------------------------------------- version */

/* The library's version, "MAJOR.MINOR.PATCH"; a static string. */
HOARD_API const char* hoard_version(void);
/* HOARD_ABI_VERSION as the library was built; compare it with the header's. */
HOARD_API uint32_t hoard_abi_version(void);

/* ---------------------------------------------------------------- memory */

/* Releases memory the library returned (strings, token and logit arrays).
 * NULL does nothing. Not for handles. */
HOARD_API void hoard_free(void* memory);

/* --------------------------------------------------------------- handles */

typedef struct hoard_engine hoard_engine;
typedef struct hoard_model hoard_model;
typedef struct hoard_session hoard_session;
typedef struct hoard_cancel_token hoard_cancel_token;

/* ---------------------------------------------------------- cancel token */

/* A flag one thread raises and an operation in progress on another thread
 * (model loading) polls. Starts lowered. */
HOARD_API hoard_status hoard_cancel_token_create(hoard_cancel_token** out_token);
HOARD_API hoard_status hoard_cancel_token_free(hoard_cancel_token* token);
HOARD_API hoard_status hoard_cancel_token_cancel(hoard_cancel_token* token);
HOARD_API hoard_status hoard_cancel_token_reset(hoard_cancel_token* token);
HOARD_API hoard_status hoard_cancel_token_is_cancelled(const hoard_cancel_token* token,
                                                       bool* out_cancelled);

/* ---------------------------------------------------------------- engine */

typedef struct hoard_engine_options {
    uint32_t struct_size;
    uint32_t n_threads; /* worker threads, the caller included; 0: one per hardware thread */
} hoard_engine_options;

/* Sets struct_size to `struct_size` (pass sizeof *options) and every field to
 * its default. */
HOARD_API hoard_status hoard_engine_options_init(hoard_engine_options* options,
                                                 uint32_t struct_size);

/* options may be NULL (defaults). */
HOARD_API hoard_status hoard_engine_create(const hoard_engine_options* options,
                                           hoard_engine** out_engine);
HOARD_API hoard_status hoard_engine_free(hoard_engine* engine);
HOARD_API hoard_status hoard_engine_n_threads(const hoard_engine* engine, uint32_t* out_n_threads);

/* --------------------------------------------------------- model loading */

/* Loading progress: fraction in [0, 1] and what is being done (a static
 * English phrase). Return true to go on, false to cancel the load. */
typedef bool (*hoard_progress_fn)(void* user_data, double fraction, const char* stage);

/* Where a model runs. AUTO: on a usable CUDA GPU when the model fits it
 * (all in VRAM, or through the GPU offload engine with offload options),
 * else on the CPU; never an error for want of a GPU. CPU: the CPU (offloading
 * to a simulated device). CUDA: the GPU, or HOARD_ERROR_FAILED saying why not
 * (no GPU, a build without CUDA, too little GPU memory). */
typedef uint32_t hoard_backend;
enum { HOARD_BACKEND_AUTO = 0, HOARD_BACKEND_CPU = 1, HOARD_BACKEND_CUDA = 2 };

typedef struct hoard_load_options {
    uint32_t struct_size;
    uint32_t reserved;          /* 0 */
    hoard_progress_fn progress; /* may be NULL */
    void* progress_user_data;
    /* may be NULL; raising it (from any thread) cancels the load. It is
     * checked between loading stages and while the weights are read. */
    hoard_cancel_token* cancel;
    /* Appended in version 2 of the struct: run the experts through the
     * offload engine with these settings (see hoard_offload_options); NULL:
     * every weight stays in host memory. Read during the call only. With
     * it, a failed load is HOARD_ERROR_FAILED (settings the offload engine
     * cannot meet, a budget too small) rather than HOARD_ERROR_BAD_MODEL. */
    const struct hoard_offload_options* offload;
    /* Appended in version 3: a HOARD_BACKEND_* value (AUTO, the default,
     * also for a struct_size that ends before it); others are
     * HOARD_ERROR_INVALID_ARGUMENT. With CUDA, a failed load is
     * HOARD_ERROR_FAILED rather than HOARD_ERROR_BAD_MODEL. */
    hoard_backend backend;
} hoard_load_options;

HOARD_API hoard_status hoard_load_options_init(hoard_load_options* options, uint32_t struct_size);

/* Opens a GGUF model. options may be NULL. Errors: HOARD_ERROR_NOT_FOUND,
 * HOARD_ERROR_BAD_MODEL, HOARD_ERROR_CANCELLED (by the token or the progress
 * callback; no model is returned), HOARD_ERROR_FAILED (offload settings or
 * the CUDA backend asked for could not be met). */
HOARD_API hoard_status hoard_engine_load_model(hoard_engine* engine, const char* path,
                                               const hoard_load_options* options,
                                               hoard_model** out_model);
HOARD_API hoard_status hoard_model_free(hoard_model* model);

/* ------------------------------------------------------ model: what it is */

typedef struct hoard_model_info {
    uint32_t struct_size;
    int32_t has_chat_template; /* 1: the file has its own; 0: ChatML is used */
    /* Owned by the model; valid until the model handle is freed. */
    const char* path;
    const char* architecture; /* "llama", "qwen3moe", ... */
    const char* name;
    uint64_t n_layer, n_embd, n_head, n_head_kv, head_dim, n_ff;
    uint64_t n_expert, n_expert_used, n_ff_expert, n_vocab, n_ctx_train;
    uint64_t default_context; /* what a session gets with n_ctx 0 */
    uint64_t parameters_total;
    uint64_t parameters_active; /* used for one token: shared weights + k of n experts */
    uint64_t parameters_expert;
    uint64_t bytes_non_expert; /* weights every token uses */
    uint64_t bytes_expert;     /* routed experts */
    uint64_t bytes_token_embedding;
    uint64_t file_bytes;
    uint64_t n_formats;           /* entries for hoard_model_format_usage */
    int32_t bos_token, eos_token; /* -1: none */
    /* Fields appended in later versions go here. */
} hoard_model_info;

HOARD_API hoard_status hoard_model_get_info(const hoard_model* model, hoard_model_info* out_info);

/* Where the model runs: HOARD_BACKEND_CPU or _CUDA (what AUTO chose). */
HOARD_API hoard_status hoard_model_backend(const hoard_model* model, hoard_backend* out_backend);
/* The same in words: the GPU and how it holds the model, or the CPU and why
 * the GPU was not used ("CPU (8 threads); CUDA not used: ..."). For people to
 * read, not to parse; free it with hoard_free. */
HOARD_API hoard_status hoard_model_backend_description(const hoard_model* model, char** out_text,
                                                       size_t* out_len);

/* How the weights divide between block formats, most bytes first. */
typedef struct hoard_format_usage {
    uint32_t struct_size;
    uint32_t reserved;
    const char* format; /* "f16", "q4_K", ...; owned by the model */
    uint64_t tensors;
    uint64_t parameters;
    uint64_t bytes;
} hoard_format_usage;

/* index < hoard_model_info.n_formats */
HOARD_API hoard_status hoard_model_format_usage(const hoard_model* model, size_t index,
                                                hoard_format_usage* out_usage);

/* ---------------------------------------------------- model: budget plan */

/* The memory a model needs at a context length. Today this is the facade's
 * whole-model figure (every weight resident plus the KV cache); fields for
 * the offload planner (a VRAM budget, experts resident per tier, predicted
 * hit rate and speed) will be appended as it lands. */
typedef struct hoard_memory_plan {
    uint32_t struct_size;
    uint32_t reserved;
    uint64_t n_ctx;
    uint64_t weight_bytes;     /* all weights */
    uint64_t non_expert_bytes; /* weights every token uses */
    uint64_t expert_bytes;     /* routed experts: what offloading moves */
    uint64_t kv_cache_bytes;   /* at n_ctx */
    uint64_t kv_bytes_per_token;
    uint64_t total_bytes; /* weights plus the KV cache */
    /* Fields appended in later versions go here. */
} hoard_memory_plan;

/* n_ctx 0: the default context; at most HOARD_MAX_PLAN_CONTEXT. */
#define HOARD_MAX_PLAN_CONTEXT ((uint64_t)1 << 24)
HOARD_API hoard_status hoard_model_plan_memory(const hoard_model* model, uint64_t n_ctx,
                                               hoard_memory_plan* out_plan);

/* ------------------------------------------------------ model: tokenizer */

/* add_special: BOS/EOS as the model's metadata says; parse_special: turn
 * special-token text such as "<|im_end|>" into its token. */
HOARD_API hoard_status hoard_model_tokenize(const hoard_model* model, const char* text,
                                            size_t text_len, bool add_special, bool parse_special,
                                            int32_t** out_tokens, size_t* out_n_tokens);
/* Every token must be in [0, n_vocab). */
HOARD_API hoard_status hoard_model_detokenize(const hoard_model* model, const int32_t* tokens,
                                              size_t n_tokens, char** out_text, size_t* out_len);
/* The vocabulary entry of one token, as stored. */
HOARD_API hoard_status hoard_model_token_text(const hoard_model* model, int32_t token,
                                              char** out_text, size_t* out_len);

/* ----------------------------------------------------------- model: chat */

typedef struct hoard_chat_message {
    const char* role; /* "system", "user", "assistant" */
    size_t role_len;  /* or HOARD_NUL_TERMINATED */
    const char* content;
    size_t content_len; /* or HOARD_NUL_TERMINATED */
} hoard_chat_message;

/* The model's chat template (Jinja source), or ChatML's when it has none. */
HOARD_API hoard_status hoard_model_chat_template(const hoard_model* model, char** out_text,
                                                 size_t* out_len);
HOARD_API hoard_status hoard_model_render_chat(const hoard_model* model,
                                               const hoard_chat_message* messages,
                                               size_t n_messages, bool add_generation_prompt,
                                               char** out_text, size_t* out_len);

/* ------------------------------------------------------- model: evaluate */

/* Logits of every position of `tokens` evaluated as one sequence, row-major
 * n_tokens x n_vocab (*out_n_logits = n_tokens * n_vocab). At most
 * n_ctx_train tokens (or the default context when the model gives none). */
HOARD_API hoard_status hoard_model_evaluate(const hoard_model* model, const int32_t* tokens,
                                            size_t n_tokens, float** out_logits,
                                            size_t* out_n_logits);

/* --------------------------------------------------------------- session */

/* n_ctx 0: the model's default context; otherwise at most n_ctx_train (or
 * the default context when the model states none). */
HOARD_API hoard_status hoard_engine_create_session(hoard_engine* engine, const hoard_model* model,
                                                   uint64_t n_ctx, hoard_session** out_session);
HOARD_API hoard_status hoard_session_free(hoard_session* session);
HOARD_API hoard_status hoard_session_context_size(const hoard_session* session,
                                                  uint64_t* out_n_ctx);
/* Empties the KV cache. HOARD_ERROR_BUSY while a call runs. */
HOARD_API hoard_status hoard_session_reset(hoard_session* session);
/* Asks the generate/chat call running on the session to stop at the next
 * token (or prompt chunk); it then returns HOARD_OK with stop_reason
 * HOARD_STOP_CANCELLED. Any thread, including the token callback. Does
 * nothing when no call runs. */
HOARD_API hoard_status hoard_session_cancel(hoard_session* session);

/* --------------------------------------------------------- generation */

typedef struct hoard_generation_params {
    uint32_t struct_size;
    int32_t max_tokens;    /* < 0: until the context is full */
    float temperature;     /* 0 or below: greedy */
    int32_t top_k;         /* 0: off */
    float top_p;           /* 1: off */
    float min_p;           /* 0: off */
    float repeat_penalty;  /* 1: off */
    int32_t repeat_last_n; /* recent tokens the penalty looks at; -1: all */
    uint64_t seed;
    int32_t stop_at_end_of_generation; /* 1: stop at the model's end-of-generation token */
    uint32_t prefill_chunk;            /* prompt tokens per forward pass; 0: default */
    /* Fields appended in later versions go here. */
} hoard_generation_params;

/* Sampling defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05,
 * repeat penalty 1.1 over 64 tokens), 512 tokens at most. */
HOARD_API hoard_status hoard_generation_params_init(hoard_generation_params* params,
                                                    uint32_t struct_size);
/* The defaults with greedy sampling (temperature 0, no repeat penalty). */
HOARD_API hoard_status hoard_generation_params_init_greedy(hoard_generation_params* params,
                                                           uint32_t struct_size);

typedef int32_t hoard_stop_reason;
enum {
    HOARD_STOP_NONE = 0, /* no call has finished yet */
    HOARD_STOP_END_OF_GENERATION = 1,
    HOARD_STOP_MAX_TOKENS = 2,
    HOARD_STOP_CANCELLED = 3,
    HOARD_STOP_CONTEXT_FULL = 4,
    HOARD_STOP_CALLBACK = 5 /* the token callback returned false */
};
/* "end of generation", "token limit", ...; a static string. */
HOARD_API const char* hoard_stop_reason_name(hoard_stop_reason reason);

typedef struct hoard_generation_stats {
    uint32_t struct_size;
    hoard_stop_reason stop_reason;
    uint64_t prompt_tokens;
    uint64_t reused_tokens; /* prompt tokens that were already in the cache */
    uint64_t generated_tokens;
    double prefill_seconds;     /* evaluating the prompt */
    double first_token_seconds; /* from the call to the first generated token */
    double decode_seconds;      /* after the first token */
    double prefill_tokens_per_second;
    double decode_tokens_per_second;
    /* Fields appended in later versions go here. */
} hoard_generation_stats;

/* Receives each generated token and its text: UTF-8, NUL-terminated, valid
 * only during the call; empty while a character is split across tokens. A
 * last call with token -1 delivers text flushed at the end (its return value
 * is ignored). Return true to go on, false to stop (stop_reason
 * HOARD_STOP_CALLBACK). */
typedef bool (*hoard_token_fn)(void* user_data, int32_t token, const char* text, size_t text_len);

/* Continues the session with `prompt` (tokens; the cached prefix it shares
 * with earlier calls is reused) and generates. params may be NULL (defaults),
 * on_token may be NULL, out_stats may be NULL. Errors: HOARD_ERROR_BUSY,
 * HOARD_ERROR_CONTEXT_FULL (prompt longer than the context),
 * HOARD_ERROR_INVALID_ARGUMENT (empty prompt, token out of range, bad
 * parameters). Cancellation is not an error: see stop_reason. */
HOARD_API hoard_status hoard_session_generate(hoard_session* session, const int32_t* prompt,
                                              size_t n_prompt,
                                              const hoard_generation_params* params,
                                              hoard_token_fn on_token, void* user_data,
                                              hoard_generation_stats* out_stats);

/* Renders the conversation with the model's chat template (adding the
 * assistant prompt) and generates the reply; earlier turns still in the cache
 * are reused. Same rules as hoard_session_generate. */
HOARD_API hoard_status hoard_session_chat(hoard_session* session,
                                          const hoard_chat_message* messages, size_t n_messages,
                                          const hoard_generation_params* params,
                                          hoard_token_fn on_token, void* user_data,
                                          hoard_generation_stats* out_stats);

/* ------------------------------------------------------------- telemetry */

/* The statistics of the last generate/chat call that finished
 * (stop_reason HOARD_STOP_NONE before the first). */
HOARD_API hoard_status hoard_session_last_stats(const hoard_session* session,
                                                hoard_generation_stats* out_stats);

/* A consistent snapshot of a session, safe to take from any thread while it
 * generates (a GUI polls it). Offload and telemetry figures (expert cache hit
 * rate, bytes moved per tier, link and compute speeds) will be appended as
 * those layers reach the facade. */
typedef struct hoard_session_telemetry {
    uint32_t struct_size;
    int32_t generating; /* 1 while a generate/chat call runs */
    uint64_t context_size;
    uint64_t cached_tokens;          /* in the KV cache when the last call finished */
    uint64_t calls;                  /* generate/chat calls finished */
    uint64_t current_tokens;         /* tokens generated so far by the running call (or the last) */
    double current_seconds;          /* time spent by the running call (or the last) */
    uint64_t total_prompt_tokens;    /* over all finished calls */
    uint64_t total_generated_tokens; /* over all finished calls */
    double total_prefill_seconds;
    double total_decode_seconds;
    /* Fields appended in later versions go here. */
} hoard_session_telemetry;

HOARD_API hoard_status hoard_session_telemetry_snapshot(const hoard_session* session,
                                                        hoard_session_telemetry* out_telemetry);

/* --------------------------------------------------------------- offload */

/* How a model's experts are offloaded when it is loaded (given through
 * hoard_load_options.offload). Device memory is the offload engine's device
 * (a simulated one where no GPU is used). */
typedef struct hoard_offload_options {
    uint32_t struct_size;
    int32_t low_precision; /* 1 (default): low-precision copies for less important experts */
    uint64_t device_bytes; /* required: all the device may hold (weights, KV cache, experts) */
    uint64_t host_bytes;   /* 0 (default): no limit on expert copies in host memory */
    uint64_t n_ctx;        /* KV cache planned on the device; 0: the model's default */
    const char* policy;    /* expert cache: "lru" (default, also for NULL), "lfu", "multi" */
    double t1, t2;         /* gate weight thresholds for low precision (0.6, 0.9) */
    int32_t cpu_fallback;  /* 1 (default): compute an expert on the CPU when that is faster */
    int32_t prefetch;      /* 1 (default): load later layers' experts ahead */
    int32_t allow_skip;    /* 0 (default): 1 drops negligible experts */
    int32_t reserved;      /* 0 */
    /* Fields appended in later versions go here. */
} hoard_offload_options;

HOARD_API hoard_status hoard_offload_options_init(hoard_offload_options* options,
                                                  uint32_t struct_size);

/* Everything the offload engine did since the model was loaded; all zero
 * (offloaded 0) for a model loaded without offload options. Any thread. */
typedef struct hoard_offload_counters {
    uint32_t struct_size;
    int32_t offloaded; /* 1: the model was loaded with offload options */
    /* Selected experts by what was done with them. */
    uint64_t hits_high, hits_low;   /* resident on the device */
    uint64_t loads_high, loads_low; /* loaded over the link (misses) */
    uint64_t cpu, skip;             /* computed on the CPU, or dropped */
    double hit_rate;                /* hits / selections */
    uint64_t bytes_host_to_device;  /* demand loads, prefetches and admissions */
    uint64_t bytes_storage_to_host;
    uint64_t transfers, evictions;
    uint64_t prefetch_issued; /* prefetch loads */
    uint64_t prefetch_used;   /* of them, used before eviction */
    uint64_t decode_tokens, prefill_tokens;
    double decode_seconds, prefill_seconds;
    double stall_seconds; /* compute waiting for loads or CPU experts */
    uint64_t device_capacity, device_used, device_peak;
    uint64_t host_capacity, host_used, host_peak; /* host capacity 0: unlimited */
    /* Fields appended in later versions go here. */
} hoard_offload_counters;

HOARD_API hoard_status hoard_model_offload_counters(const hoard_model* model,
                                                    hoard_offload_counters* out_counters);

/* How a device budget divides for a model file, and the decode speed and hit
 * rate the offload planner predicts by replaying a synthetic routing trace
 * (512 tokens, Zipf-like expert popularity) with the default settings. */
typedef struct hoard_offload_plan {
    uint32_t struct_size;
    uint32_t n_layer;
    uint32_t n_expert, n_expert_used;
    uint64_t device_bytes;
    uint64_t non_expert_bytes;
    uint64_t kv_cache_bytes;
    uint64_t n_ctx;
    uint64_t workspace_bytes;
    uint64_t expert_area_bytes;           /* what is left for cached experts */
    uint64_t expert_bytes_high;           /* all experts at the file's precision */
    uint64_t expert_bytes_low;            /* ... at low precision */
    double high_slots, low_slots;         /* experts the expert area holds at each precision */
    double resident_fraction;             /* expert area / all experts at high precision */
    char high_format[16], low_format[16]; /* "f16", "q4_K", ... (NUL-terminated) */
    double hit_rate;                      /* predicted */
    double tokens_per_second;             /* predicted decode speed */
    double ideal_tokens_per_second;       /* every expert resident at high precision */
    double stall_seconds_per_token;
    uint64_t bytes_to_device_per_token;
    uint64_t trace_tokens;
    /* Fields appended in later versions go here. */
} hoard_offload_plan;

/* Reads only the file's tensor table. n_ctx 0: 4096; at most
 * HOARD_MAX_PLAN_CONTEXT. A budget too small for the weights outside the
 * experts, the KV cache and one layer's experts fails with
 * HOARD_ERROR_FAILED and a message saying how much is needed. */
HOARD_API hoard_status hoard_plan_budget(const char* model_path, uint64_t device_bytes,
                                         uint64_t n_ctx, bool low_precision,
                                         hoard_offload_plan* out_plan);

/* ------------------------------------------------------------- profiling */

/* Recording into the profiling store (an SQLite database) and live snapshots
 * of a model's generation. Both follow the session's model: every session on
 * it is observed. Free them with their *_free function, from any thread;
 * they keep the model alive. */
typedef struct hoard_recording hoard_recording;
typedef struct hoard_live_feed hoard_live_feed;

/* Starts recording `session`'s model into the store at db_path (NULL: the
 * default, $HOARD_DATA_DIR/hoard.db or the user's data folder). Fails with
 * HOARD_ERROR_FAILED when the store cannot be opened or written. */
HOARD_API hoard_status hoard_recording_start(hoard_session* session, const char* db_path,
                                             hoard_recording** out_recording);
/* The recorded session's id in the store (> 0). */
HOARD_API hoard_status hoard_recording_session_id(const hoard_recording* recording,
                                                  int64_t* out_session_id);
/* Writes what is queued, marks the recorded session complete and frees the
 * handle; returns once everything is on disk. NULL does nothing. */
HOARD_API hoard_status hoard_recording_stop_free(hoard_recording* recording);

/* One snapshot of the live feed, summed over its last second. Passed to the
 * callback with struct_size set to the bytes the library filled: read fields
 * appended later only when struct_size covers them. */
typedef struct hoard_live_snapshot {
    uint32_t struct_size;
    uint32_t n_layers;        /* entries of layer_hit_rates */
    uint64_t sequence;        /* 1, 2, 3, ... */
    double tokens_per_second; /* decode */
    double prefill_tokens_per_second;
    double hit_rate;
    double high_fraction, low_fraction, cpu_fraction, skip_fraction; /* precision mix */
    double host_to_device_bytes_per_second;
    double storage_to_host_bytes_per_second;
    uint64_t decode_tokens, prefill_tokens; /* in the window */
    uint64_t total_generated_tokens;        /* since the feed started */
    double session_hit_rate;                /* since the feed started */
    const double* layer_hit_rates;          /* valid only during the callback */
    /* Fields appended in later versions go here. */
} hoard_live_snapshot;

/* Runs on the feed's own thread, never on the caller's. It must not free its
 * own feed. */
typedef void (*hoard_live_snapshot_fn)(void* user_data, const hoard_live_snapshot* snapshot);

/* Delivers a snapshot of `session`'s model every interval_seconds (0: 0.1;
 * otherwise in [0.001, 3600]) to on_snapshot until the feed is freed. */
HOARD_API hoard_status hoard_live_feed_start(hoard_session* session, double interval_seconds,
                                             hoard_live_snapshot_fn on_snapshot, void* user_data,
                                             hoard_live_feed** out_feed);
/* Stops the feed: no callback runs after it returns. NULL does nothing. */
HOARD_API hoard_status hoard_live_feed_free(hoard_live_feed* feed);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOARD_HOARD_H */
