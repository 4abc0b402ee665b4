/* Test support: the conformance reference read by hand (no JSON library in
 * C), the shared engine and model, and small helpers. */
#include "capi_test.h"

#include <stdlib.h>
#include <threads.h>
#include <time.h>

int checks_failed_in_test;
reference ref;
hoard_engine* engine;
hoard_model* model;
char model_path[1024];
char conformance_dir[900];

void conformance_file(char* out, size_t size, const char* relative) {
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

bool wait_for(atomic_int* flag, int value, double seconds) {
    struct timespec start, now;
    timespec_get(&start, TIME_UTC);
    while (atomic_load(flag) < value) {
        timespec_get(&now, TIME_UTC);
        if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) * 1e-9 > seconds)
            return false;
        thrd_yield();
    }
    return true;
}

hoard_generation_params greedy_params(int32_t max_tokens) {
    hoard_generation_params p;
    hoard_generation_params_init_greedy(&p, sizeof p);
    p.max_tokens = max_tokens;
    p.stop_at_end_of_generation = 0;
    return p;
}

bool collect(void* user_data, int32_t token, const char* text, size_t text_len) {
    collected* c = user_data;
    ++c->calls;
    if (token >= 0 && c->n < MAX_TOKENS) c->tokens[c->n++] = token;
    if (strlen(text) != text_len) c->bad_length = true;
    if (c->text_len + text_len < sizeof c->text) {
        memcpy(c->text + c->text_len, text, text_len);
        c->text_len += text_len;
        c->text[c->text_len] = '\0';
    }
    return !(c->stop_after && (int)c->n >= c->stop_after);
}

bool set_up(void) {
    const char* env = getenv("HOARD_CONFORMANCE_DIR");
    snprintf(conformance_dir, sizeof conformance_dir, "%s",
             env && *env ? env : HOARD_CONFORMANCE_DIR_DEFAULT);
    conformance_file(model_path, sizeof model_path, "models/tiny-mixtral-f16.gguf");
    if (!load_reference()) {
        fprintf(stderr, "capi: cannot read the conformance reference in %s\n", conformance_dir);
        return false;
    }
    hoard_engine_options options;
    hoard_engine_options_init(&options, sizeof options);
    if (hoard_engine_create(&options, &engine) != HOARD_OK ||
        hoard_engine_load_model(engine, model_path, NULL, &model) != HOARD_OK) {
        fprintf(stderr, "capi: cannot load %s: %s\n", model_path, hoard_last_error());
        return false;
    }
    return true;
}
