/* Tests of the offload and profiling parts of the C ABI: loading with offload
 * options, the offload counters, budget planning, recording into the
 * profiling store, the live feed, and misuse answered with errors. */
#define _POSIX_C_SOURCE 200809L
#include "capi_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>

/* A fresh folder under /tmp, also made $HOARD_DATA_DIR and $HOARD_CACHE_DIR
 * so nothing lands in the user's folders. */
static char temp_dir[256];

static bool make_temp_dir(void) {
    if (temp_dir[0]) return true;
    snprintf(temp_dir, sizeof temp_dir, "/tmp/hoard-capi-XXXXXX");
    if (!mkdtemp(temp_dir)) {
        temp_dir[0] = '\0';
        return false;
    }
    setenv("HOARD_DATA_DIR", temp_dir, 1);
    setenv("HOARD_CACHE_DIR", temp_dir, 1);
    return true;
}

static bool file_exists(const char* path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The budget split of tiny-mixtral-f16 with room for every expert. */
static bool unlimited_plan(uint64_t n_ctx, hoard_offload_plan* plan) {
    memset(plan, 0, sizeof *plan);
    plan->struct_size = sizeof *plan;
    return hoard_plan_budget(model_path, (uint64_t)1 << 40, n_ctx, false, plan) == HOARD_OK;
}

static hoard_status load_offloaded(const hoard_offload_options* offload, hoard_model** out) {
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.offload = offload;
    return hoard_engine_load_model(engine, model_path, &options, out);
}

void offloaded_load_generates_and_counts(void) {
    REQUIRE(make_temp_dir(), "a temporary folder");
    hoard_offload_plan all;
    REQUIRE(unlimited_plan(128, &all), "planning the model");
    REQUIRE(all.expert_bytes_high > 0, "the model has experts");

    hoard_offload_options off;
    CHECK_STATUS(hoard_offload_options_init(&off, sizeof off), HOARD_OK);
    CHECK(off.low_precision == 1 && off.cpu_fallback == 1 && off.prefetch == 1, "defaults");
    CHECK(off.t1 > 0 && off.t1 < off.t2 && off.t2 <= 1, "default thresholds");
    /* A third of the experts fit: they are loaded and evicted as tokens go. */
    off.device_bytes =
        all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes + all.expert_bytes_high / 3;
    off.n_ctx = 128;
    off.low_precision = 0; /* file precision only: the greedy tokens stay the reference's */
    off.policy = "lru";
    hoard_model* m = NULL;
    CHECK_STATUS(load_offloaded(&off, &m), HOARD_OK);
    REQUIRE(m != NULL, "an offloaded model");

    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, m, 128, &s), HOARD_OK);
    const size_t n = ref.n_greedy < 12 ? ref.n_greedy : 12;
    hoard_generation_params params = greedy_params((int32_t)n);
    collected c = {0};
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, collect, &c, NULL),
                 HOARD_OK);
    CHECK(c.n == n, "the tokens asked for");
    for (size_t i = 0; i < c.n && i < n; ++i)
        CHECK(c.tokens[i] == ref.greedy[i], "offloaded greedy tokens match the reference");

    hoard_offload_counters k;
    k.struct_size = sizeof k;
    CHECK_STATUS(hoard_model_offload_counters(m, &k), HOARD_OK);
    CHECK(k.struct_size == sizeof k, "the whole struct written");
    CHECK(k.offloaded == 1, "the model is offloaded");
    CHECK(k.loads_high > 0, "experts were loaded over the link");
    CHECK(k.hits_high + k.hits_low > 0, "some experts were resident");
    CHECK(k.loads_low == 0 && k.hits_low == 0, "nothing at low precision");
    CHECK(k.bytes_host_to_device > 0, "bytes moved to the device");
    CHECK(k.hit_rate > 0 && k.hit_rate < 1, "a hit rate between 0 and 1");
    CHECK(k.decode_tokens > 0 && k.prefill_tokens > 0, "decode and prefill counted");
    CHECK(k.device_peak > 0 && k.device_peak <= off.device_bytes, "within the device budget");
    hoard_session_free(s);
    hoard_model_free(m);

    /* The shared model was loaded without offloading: all zero. */
    memset(&k, 0xff, sizeof k);
    k.struct_size = sizeof k;
    CHECK_STATUS(hoard_model_offload_counters(model, &k), HOARD_OK);
    CHECK(k.offloaded == 0 && k.loads_high == 0 && k.hits_high == 0, "not offloaded: zero");

    /* A caller built before load options had the offload field still loads. */
    hoard_load_options old;
    hoard_load_options_init(&old, sizeof old);
    old.offload = &off; /* past the old size: must be ignored */
    old.struct_size = (uint32_t)offsetof(hoard_load_options, offload);
    m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &old, &m), HOARD_OK);
    CHECK_STATUS(hoard_model_offload_counters(model, &k), HOARD_OK);
    if (m) {
        CHECK_STATUS(hoard_model_offload_counters(m, &k), HOARD_OK);
        CHECK(k.offloaded == 0, "the old-size options are not offloaded");
        hoard_model_free(m);
    }

    /* Budgets and settings the engine cannot meet. */
    m = NULL;
    off.device_bytes = 4096;
    CHECK_STATUS(load_offloaded(&off, &m), HOARD_ERROR_FAILED);
    CHECK(m == NULL, "no model for a budget too small");
    off.device_bytes = 0;
    CHECK_STATUS(load_offloaded(&off, &m), HOARD_ERROR_INVALID_ARGUMENT);
    hoard_offload_options_init(&off, sizeof off);
    off.device_bytes = (uint64_t)1 << 40;
    off.policy = "fifo";
    CHECK_STATUS(load_offloaded(&off, &m), HOARD_ERROR_INVALID_ARGUMENT);
    off.policy = NULL;
    off.t1 = 2;
    CHECK_STATUS(load_offloaded(&off, &m), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK(m == NULL, "no model on errors");
}

void plan_budget_predicts(void) {
    hoard_offload_plan all;
    REQUIRE(unlimited_plan(0, &all), "planning the model");
    CHECK(all.n_ctx == 4096, "n_ctx 0 plans 4096 tokens");
    CHECK(all.n_layer > 0 && all.n_expert > 0 && all.n_expert_used > 0, "the model's shape");
    CHECK(all.n_expert_used <= all.n_expert, "k of n experts");
    CHECK(strlen(all.high_format) > 0, "the file's format named");

    const uint64_t fixed = all.non_expert_bytes + all.kv_cache_bytes + all.workspace_bytes;
    const uint64_t budget = fixed + all.expert_bytes_high / 2;
    hoard_offload_plan half;
    half.struct_size = sizeof half;
    CHECK_STATUS(hoard_plan_budget(model_path, budget, 0, true, &half), HOARD_OK);
    CHECK(half.device_bytes == budget, "the budget echoed");
    CHECK(half.expert_area_bytes > 0 && half.expert_area_bytes <= budget - fixed, "expert area");
    CHECK(half.resident_fraction > 0 && half.resident_fraction < 1, "part of the experts fit");
    CHECK(half.hit_rate > 0 && half.hit_rate <= 1, "a predicted hit rate");
    CHECK(half.tokens_per_second > 0, "a predicted speed");
    CHECK(half.tokens_per_second <= half.ideal_tokens_per_second * 1.0001,
          "no faster than all resident");
    CHECK(half.trace_tokens > 0, "a trace was replayed");
    CHECK(half.expert_bytes_low > 0 && half.expert_bytes_low < half.expert_bytes_high,
          "low copies are smaller");
    CHECK(all.hit_rate >= half.hit_rate, "more budget hits at least as often");

    hoard_offload_plan small;
    small.struct_size = sizeof small;
    CHECK_STATUS(hoard_plan_budget(model_path, 1024 * 1024, 4096, true, &small),
                 HOARD_ERROR_FAILED);
    CHECK(strlen(hoard_last_error()) > 0, "the message says what is needed");
    CHECK_STATUS(hoard_plan_budget(NULL, budget, 0, true, &small), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_plan_budget("/nonexistent/model.gguf", budget, 0, true, &small),
                 HOARD_ERROR_NOT_FOUND);
    CHECK_STATUS(hoard_plan_budget(model_path, budget, 0, true, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_plan_budget(model_path, 0, 0, true, &small), HOARD_ERROR_INVALID_ARGUMENT);
    small.struct_size = 4;
    CHECK_STATUS(hoard_plan_budget(model_path, budget, 0, true, &small),
                 HOARD_ERROR_INVALID_ARGUMENT);
}

void recording_gets_a_session_id(void) {
    REQUIRE(make_temp_dir(), "a temporary folder");
    char db[512];
    snprintf(db, sizeof db, "%s/profile.db", temp_dir);
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 128, &s), HOARD_OK);
    REQUIRE(s != NULL, "a session");

    hoard_recording* r = NULL;
    CHECK_STATUS(hoard_recording_start(s, db, &r), HOARD_OK);
    REQUIRE(r != NULL, "a recording");
    int64_t id = 0;
    CHECK_STATUS(hoard_recording_session_id(r, &id), HOARD_OK);
    CHECK(id > 0, "a session id in the store");
    hoard_generation_params params = greedy_params(4);
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, NULL, NULL, NULL),
                 HOARD_OK);
    CHECK_STATUS(hoard_recording_stop_free(r), HOARD_OK);
    CHECK(file_exists(db), "the database was written");
    CHECK_STATUS(hoard_recording_stop_free(r), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_recording_session_id(r, &id), HOARD_ERROR_INVALID_HANDLE);

    /* NULL: the default store, in $HOARD_DATA_DIR. */
    char default_db[512];
    snprintf(default_db, sizeof default_db, "%s/hoard.db", temp_dir);
    r = NULL;
    CHECK_STATUS(hoard_recording_start(s, NULL, &r), HOARD_OK);
    int64_t second = 0;
    CHECK_STATUS(hoard_recording_session_id(r, &second), HOARD_OK);
    CHECK(second > 0, "a session id in the default store");
    CHECK_STATUS(hoard_recording_stop_free(r), HOARD_OK);
    CHECK(file_exists(default_db), "the default store is under HOARD_DATA_DIR");

    /* A store that cannot be created: its folder would be inside a file. */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/sub/x.db", db);
    r = NULL;
    CHECK_STATUS(hoard_recording_start(s, bad, &r), HOARD_ERROR_FAILED);
    CHECK(r == NULL, "no recording on failure");
    CHECK_STATUS(hoard_recording_start(s, "", &r), HOARD_ERROR_INVALID_ARGUMENT);
    hoard_session_free(s);
}

typedef struct feed_state {
    atomic_int calls;
    atomic_int bad; /* snapshots with values out of range */
    atomic_int with_layers;
    uint32_t n_layer;
} feed_state;

static void on_snapshot(void* user_data, const hoard_live_snapshot* snapshot) {
    feed_state* f = user_data;
    if (snapshot->struct_size < sizeof *snapshot || snapshot->hit_rate < 0 ||
        snapshot->hit_rate > 1 || snapshot->tokens_per_second < 0 ||
        (snapshot->n_layers > 0 && !snapshot->layer_hit_rates))
        atomic_fetch_add(&f->bad, 1);
    if (snapshot->n_layers == f->n_layer && snapshot->decode_tokens > 0) {
        for (uint32_t i = 0; i < snapshot->n_layers; ++i)
            if (snapshot->layer_hit_rates[i] < 0 || snapshot->layer_hit_rates[i] > 1)
                atomic_fetch_add(&f->bad, 1);
        atomic_fetch_add(&f->with_layers, 1);
    }
    atomic_fetch_add(&f->calls, 1);
}

void live_feed_fires_during_generation(void) {
    hoard_model_info info;
    info.struct_size = sizeof info;
    REQUIRE(hoard_model_get_info(model, &info) == HOARD_OK, "model info");
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 256, &s), HOARD_OK);
    REQUIRE(s != NULL, "a session");

    feed_state f;
    atomic_init(&f.calls, 0);
    atomic_init(&f.bad, 0);
    atomic_init(&f.with_layers, 0);
    f.n_layer = (uint32_t)info.n_layer;
    hoard_live_feed* feed = NULL;
    CHECK_STATUS(hoard_live_feed_start(s, 0.01, on_snapshot, &f, &feed), HOARD_OK);
    REQUIRE(feed != NULL, "a feed");
    hoard_generation_params params = greedy_params(48);
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, NULL, NULL, NULL),
                 HOARD_OK);
    CHECK(wait_for(&f.with_layers, 1, 10.0), "a snapshot with decode tokens and every layer");
    CHECK_STATUS(hoard_live_feed_free(feed), HOARD_OK);
    const int after_free = atomic_load(&f.calls);
    thrd_sleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    CHECK(atomic_load(&f.calls) == after_free, "no callback after free");
    CHECK(atomic_load(&f.bad) == 0, "snapshots within range");
    CHECK_STATUS(hoard_live_feed_free(feed), HOARD_ERROR_INVALID_HANDLE);
    hoard_session_free(s);
}

void profiling_misuse_is_an_error(void) {
    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, model, 64, &s), HOARD_OK);
    hoard_recording* r = NULL;
    hoard_live_feed* feed = NULL;
    int64_t id = 0;
    feed_state f;
    atomic_init(&f.calls, 0);
    atomic_init(&f.bad, 0);
    atomic_init(&f.with_layers, 0);
    f.n_layer = 0;

    CHECK_STATUS(hoard_recording_start(NULL, NULL, &r), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_recording_start((hoard_session*)model, NULL, &r),
                 HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_recording_start(s, NULL, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_recording_session_id(NULL, &id), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_recording_session_id((hoard_recording*)s, &id), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_recording_stop_free(NULL), HOARD_OK);
    CHECK_STATUS(hoard_recording_stop_free((hoard_recording*)s), HOARD_ERROR_INVALID_HANDLE);

    CHECK_STATUS(hoard_live_feed_start(NULL, 0.1, on_snapshot, &f, &feed),
                 HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_live_feed_start(s, 0.1, NULL, &f, &feed), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_live_feed_start(s, -1, on_snapshot, &f, &feed),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_live_feed_start(s, 1e9, on_snapshot, &f, &feed),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_live_feed_start(s, 0.1, on_snapshot, &f, NULL),
                 HOARD_ERROR_INVALID_ARGUMENT);
    CHECK(feed == NULL, "no feed on errors");
    CHECK_STATUS(hoard_live_feed_free(NULL), HOARD_OK);
    CHECK_STATUS(hoard_live_feed_free((hoard_live_feed*)s), HOARD_ERROR_INVALID_HANDLE);

    hoard_offload_counters k;
    k.struct_size = sizeof k;
    CHECK_STATUS(hoard_model_offload_counters(NULL, &k), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_model_offload_counters((hoard_model*)s, &k), HOARD_ERROR_INVALID_HANDLE);
    CHECK_STATUS(hoard_model_offload_counters(model, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    k.struct_size = 0;
    CHECK_STATUS(hoard_model_offload_counters(model, &k), HOARD_ERROR_INVALID_ARGUMENT);
    hoard_offload_options off;
    CHECK_STATUS(hoard_offload_options_init(&off, 4), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_offload_options_init(NULL, sizeof off), HOARD_ERROR_INVALID_ARGUMENT);
    hoard_session_free(s);
}
