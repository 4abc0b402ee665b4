/* The C ABI's model functions from C11: description, memory plan, tokenizer
 * (with UTF-8 checks) and evaluation, against the conformance model. */
#include "capi_test.h"

#include <stdlib.h>

void model_info_and_memory_plan(void) {
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

void tokenizer_round_trip(void) {
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

void invalid_utf8_is_rejected(void) {
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

void evaluate_agrees_with_generation(void) {
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
