/* Choosing the compute backend through hoard_load_options.backend: the CPU
 * reproduces the reference, CUDA loads where a GPU runs the shared model and
 * is a clear error elsewhere, values outside the enum are rejected, and
 * structs from before the field still load (with AUTO). */
#include "capi_test.h"

static hoard_status load_with_backend(hoard_backend backend, hoard_model** out) {
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.backend = backend;
    return hoard_engine_load_model(engine, model_path, &options, out);
}

/* The backend AUTO chose for the shared model: CUDA only where a GPU runs it. */
static hoard_backend auto_backend(void) {
    hoard_backend backend = HOARD_BACKEND_AUTO;
    hoard_model_backend(model, &backend);
    return backend;
}

void backend_defaults_and_queries(void) {
    hoard_load_options options;
    memset(&options, 0xff, sizeof options);
    CHECK_STATUS(hoard_load_options_init(&options, sizeof options), HOARD_OK);
    CHECK(options.backend == HOARD_BACKEND_AUTO, "the default backend is AUTO");
    CHECK(offsetof(hoard_load_options, backend) ==
              offsetof(hoard_load_options, offload) + sizeof options.offload,
          "the backend field is appended after version 2's last field");

    hoard_backend backend = HOARD_BACKEND_AUTO;
    CHECK_STATUS(hoard_model_backend(model, &backend), HOARD_OK);
    CHECK(backend == HOARD_BACKEND_CPU || backend == HOARD_BACKEND_CUDA,
          "a loaded model runs on the CPU or CUDA, never on AUTO");
    char* text = NULL;
    size_t len = 0;
    CHECK_STATUS(hoard_model_backend_description(model, &text, &len), HOARD_OK);
    REQUIRE(text != NULL, "a description");
    CHECK(len > 0 && len == strlen(text), "a non-empty description and its length");
    if (backend == HOARD_BACKEND_CPU)
        CHECK(strncmp(text, "CPU", 3) == 0 && strstr(text, "CUDA not used") != NULL,
              "AUTO on the CPU says why the GPU was not used");
    hoard_free(text);

    CHECK_STATUS(hoard_model_backend(model, NULL), HOARD_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(hoard_model_backend(NULL, &backend), HOARD_ERROR_INVALID_HANDLE);
    CHECK(backend == HOARD_BACKEND_AUTO, "zero (AUTO) on failure");
    CHECK_STATUS(hoard_model_backend_description(model, NULL, &len), HOARD_ERROR_INVALID_ARGUMENT);
    char untouched[] = "untouched";
    text = untouched;
    CHECK_STATUS(hoard_model_backend_description(NULL, &text, &len), HOARD_ERROR_INVALID_HANDLE);
    CHECK(text == NULL, "no text on failure");
}

void cpu_backend_reproduces_the_reference(void) {
    hoard_model* m = NULL;
    CHECK_STATUS(load_with_backend(HOARD_BACKEND_CPU, &m), HOARD_OK);
    REQUIRE(m != NULL, "the model loads on the CPU");
    hoard_backend backend = HOARD_BACKEND_AUTO;
    CHECK_STATUS(hoard_model_backend(m, &backend), HOARD_OK);
    CHECK(backend == HOARD_BACKEND_CPU, "it runs on the CPU");
    char* text = NULL;
    CHECK_STATUS(hoard_model_backend_description(m, &text, NULL), HOARD_OK);
    CHECK(text && strncmp(text, "CPU", 3) == 0 && strstr(text, "CUDA not used") == NULL,
          "described as the CPU, with no word of a GPU it did not try");
    hoard_free(text);

    hoard_session* s = NULL;
    CHECK_STATUS(hoard_engine_create_session(engine, m, 256, &s), HOARD_OK);
    const hoard_generation_params params = greedy_params((int32_t)ref.n_greedy);
    collected c = {0};
    CHECK_STATUS(hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, collect, &c, NULL),
                 HOARD_OK);
    CHECK(c.n == ref.n_greedy && memcmp(c.tokens, ref.greedy, c.n * sizeof *c.tokens) == 0,
          "greedy decoding on the CPU gives the reference greedy_tokens");
    CHECK(strcmp(c.text, ref.greedy_text) == 0, "and the reference greedy_text");
    CHECK_STATUS(hoard_session_free(s), HOARD_OK);
    CHECK_STATUS(hoard_model_free(m), HOARD_OK);
}

void cuda_backend_loads_on_a_gpu_or_says_why_not(void) {
    const bool gpu = auto_backend() == HOARD_BACKEND_CUDA;
    hoard_model* m = NULL;
    const hoard_status status = load_with_backend(HOARD_BACKEND_CUDA, &m);
    if (gpu) {
        /* AUTO found a GPU that runs the model: CUDA must load there too. */
        CHECK_STATUS(status, HOARD_OK);
        REQUIRE(m != NULL, "the model loads on the GPU");
        hoard_backend backend = HOARD_BACKEND_AUTO;
        CHECK_STATUS(hoard_model_backend(m, &backend), HOARD_OK);
        CHECK(backend == HOARD_BACKEND_CUDA, "it runs on CUDA");
        hoard_session* s = NULL;
        CHECK_STATUS(hoard_engine_create_session(engine, m, 128, &s), HOARD_OK);
        const hoard_generation_params params = greedy_params(4);
        collected c = {0};
        CHECK_STATUS(
            hoard_session_generate(s, ref.prompt, ref.n_prompt, &params, collect, &c, NULL),
            HOARD_OK);
        CHECK(c.n == 4, "it generates");
        CHECK_STATUS(hoard_session_free(s), HOARD_OK);
        CHECK_STATUS(hoard_model_free(m), HOARD_OK);
        return;
    }
    /* No usable GPU (AUTO fell back to the CPU): a clear error, no model. */
    CHECK_STATUS(status, HOARD_ERROR_FAILED);
    CHECK(m == NULL, "no model when CUDA cannot run it");
    const char* message = hoard_last_error();
    CHECK(strstr(message, "CUDA") != NULL, "the message names CUDA");
    if (m) hoard_model_free(m);
}

void invalid_backend_is_rejected(void) {
    const hoard_backend bad[] = {3, 7, 0xffffffffu};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        hoard_model* m = NULL;
        CHECK_STATUS(load_with_backend(bad[i], &m), HOARD_ERROR_INVALID_ARGUMENT);
        CHECK(m == NULL, "no model for a backend outside the enum");
        CHECK(strstr(hoard_last_error(), "options->backend") != NULL &&
                  strstr(hoard_last_error(), "hoard_engine_load_model") != NULL,
              "the message names the field and the function");
        if (m) hoard_model_free(m);
    }
    /* Checked before the file: a missing file with a bad backend is the bad argument. */
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.backend = 7;
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, "/nonexistent/model.gguf", &options, &m),
                 HOARD_ERROR_INVALID_ARGUMENT);
}

void older_load_options_load_with_auto(void) {
    /* A caller built against version 2 (no backend) or 1 (no offload either):
     * whatever lies past its struct_size is not read. */
    const uint32_t sizes[] = {(uint32_t)offsetof(hoard_load_options, backend),
                              (uint32_t)offsetof(hoard_load_options, offload)};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; ++i) {
        hoard_load_options options;
        memset(&options, 0, sizeof options);
        CHECK_STATUS(hoard_load_options_init(&options, sizes[i]), HOARD_OK);
        CHECK(options.struct_size == sizes[i], "init keeps the caller's size");
        options.backend = 7; /* past the caller's struct: must be ignored */
        if (i == 1) options.offload = (const hoard_offload_options*)(uintptr_t)0x10;
        hoard_model* m = NULL;
        CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m), HOARD_OK);
        REQUIRE(m != NULL, "an older struct still loads");
        hoard_backend backend = HOARD_BACKEND_AUTO;
        CHECK_STATUS(hoard_model_backend(m, &backend), HOARD_OK);
        CHECK(backend == auto_backend(), "where AUTO puts the model");
        CHECK_STATUS(hoard_model_free(m), HOARD_OK);
    }
    /* Smaller than the first version is still refused. */
    hoard_load_options options;
    hoard_load_options_init(&options, sizeof options);
    options.struct_size = (uint32_t)offsetof(hoard_load_options, offload) - 1;
    hoard_model* m = NULL;
    CHECK_STATUS(hoard_engine_load_model(engine, model_path, &options, &m),
                 HOARD_ERROR_INVALID_ARGUMENT);
}
