// C ABI: what a loaded model is, what it needs, and its tokenizer, chat
// template and evaluation.
#include "capi/call_arguments.hpp"
#include "capi/handle_objects.hpp"
#include "capi/status_boundary.hpp"

using namespace hoard::capi;

namespace {

std::shared_ptr<hoard::Model> model_of(const hoard_model* handle) {
    return lookup<ModelObject>(handle)->model;
}

// The most tokens one evaluation may take: the trained context, or the
// default context when the file states none.
size_t evaluation_limit(const hoard::Model& model) {
    const auto& s = model.summary();
    return s.n_ctx_train ? s.n_ctx_train : s.n_ctx;
}

} // namespace

extern "C" {

HOARD_API hoard_status hoard_model_get_info(const hoard_model* model, hoard_model_info* out_info) {
    return guarded(__func__, [&] {
        const auto m = model_of(model);
        check_result_struct(out_info, "out_info");
        const hoard::ModelSummary& s = m->summary();
        hoard_model_info info{};
        info.has_chat_template = m->has_chat_template() ? 1 : 0;
        info.path = m->path().c_str();
        info.architecture = s.architecture.c_str();
        info.name = s.name.c_str();
        info.n_layer = s.n_layer;
        info.n_embd = s.n_embd;
        info.n_head = s.n_head;
        info.n_head_kv = s.n_head_kv;
        info.head_dim = s.head_dim;
        info.n_ff = s.n_ff;
        info.n_expert = s.n_expert;
        info.n_expert_used = s.n_expert_used;
        info.n_ff_expert = s.n_ff_expert;
        info.n_vocab = s.n_vocab;
        info.n_ctx_train = s.n_ctx_train;
        info.default_context = s.n_ctx;
        info.parameters_total = s.parameters_total;
        info.parameters_active = s.parameters_active;
        info.parameters_expert = s.parameters_expert;
        info.bytes_non_expert = s.bytes_non_expert;
        info.bytes_expert = s.bytes_expert;
        info.bytes_token_embedding = s.bytes_token_embedding;
        info.file_bytes = s.file_bytes;
        info.n_formats = s.formats.size();
        info.bos_token = s.bos_token;
        info.eos_token = s.eos_token;
        write_extensible(out_info, info);
    });
}

HOARD_API hoard_status hoard_model_backend(const hoard_model* model, hoard_backend* out_backend) {
    return guarded(__func__, [&] {
        require_out(out_backend, "out_backend");
        *out_backend = HOARD_BACKEND_AUTO; // on failure
        const std::string name = model_of(model)->backend_name();
        if (name != "cpu" && name != "cuda")
            throw CapiError(HOARD_ERROR_INTERNAL, "unknown backend name \"" + name + "\"");
        *out_backend = name == "cuda" ? HOARD_BACKEND_CUDA : HOARD_BACKEND_CPU;
    });
}

HOARD_API hoard_status hoard_model_backend_description(const hoard_model* model, char** out_text,
                                                       size_t* out_len) {
    return guarded(__func__, [&] {
        require_out(out_text, "out_text");
        *out_text = nullptr;
        give_text(model_of(model)->backend_description(), out_text, out_len);
    });
}

HOARD_API hoard_status hoard_model_format_usage(const hoard_model* model, size_t index,
                                                hoard_format_usage* out_usage) {
    return guarded(__func__, [&] {
        const auto m = model_of(model);
        check_result_struct(out_usage, "out_usage");
        const auto& formats = m->summary().formats;
        if (index >= formats.size())
            fail_argument("index " + std::to_string(index) + " is past the model's " +
                          std::to_string(formats.size()) + " formats");
        const hoard::FormatUsage& f = formats[index];
        hoard_format_usage usage{};
        usage.format = f.format.c_str();
        usage.tensors = f.tensors;
        usage.parameters = f.parameters;
        usage.bytes = f.bytes;
        write_extensible(out_usage, usage);
    });
}

HOARD_API hoard_status hoard_model_plan_memory(const hoard_model* model, uint64_t n_ctx,
                                               hoard_memory_plan* out_plan) {
    return guarded(__func__, [&] {
        const auto m = model_of(model);
        check_result_struct(out_plan, "out_plan");
        if (n_ctx > HOARD_MAX_PLAN_CONTEXT)
            fail_argument("n_ctx " + std::to_string(n_ctx) + " is more than " +
                          std::to_string(HOARD_MAX_PLAN_CONTEXT) + " tokens");
        const hoard::ModelSummary s = n_ctx == 0 ? m->summary() : m->summary_at(size_t(n_ctx));
        hoard_memory_plan plan{};
        plan.n_ctx = s.n_ctx;
        plan.weight_bytes = s.bytes_non_expert + s.bytes_expert;
        plan.non_expert_bytes = s.bytes_non_expert;
        plan.expert_bytes = s.bytes_expert;
        plan.kv_cache_bytes = s.kv_cache_bytes;
        plan.kv_bytes_per_token = s.kv_bytes_per_token_per_layer * s.n_layer;
        plan.total_bytes = s.memory_bytes;
        write_extensible(out_plan, plan);
    });
}

HOARD_API hoard_status hoard_model_tokenize(const hoard_model* model, const char* text,
                                            size_t text_len, bool add_special, bool parse_special,
                                            int32_t** out_tokens, size_t* out_n_tokens) {
    return guarded(__func__, [&] {
        require_out(out_tokens, "out_tokens");
        *out_tokens = nullptr;
        require_out(out_n_tokens, "out_n_tokens");
        *out_n_tokens = 0;
        const auto m = model_of(model);
        const auto tokens =
            m->tokenize(text_argument(text, text_len, "text"), add_special, parse_special);
        give_array<int32_t>(tokens, out_tokens, out_n_tokens);
    });
}

HOARD_API hoard_status hoard_model_detokenize(const hoard_model* model, const int32_t* tokens,
                                              size_t n_tokens, char** out_text, size_t* out_len) {
    return guarded(__func__, [&] {
        require_out(out_text, "out_text");
        *out_text = nullptr;
        const auto m = model_of(model);
        const auto span = tokens_argument(tokens, n_tokens, m->n_vocab(), "tokens");
        give_text(m->detokenize(span), out_text, out_len);
    });
}

HOARD_API hoard_status hoard_model_token_text(const hoard_model* model, int32_t token,
                                              char** out_text, size_t* out_len) {
    return guarded(__func__, [&] {
        require_out(out_text, "out_text");
        *out_text = nullptr;
        const auto m = model_of(model);
        tokens_argument(&token, 1, m->n_vocab(), "token");
        give_text(m->token_text(token), out_text, out_len);
    });
}

HOARD_API hoard_status hoard_model_chat_template(const hoard_model* model, char** out_text,
                                                 size_t* out_len) {
    return guarded(__func__, [&] {
        require_out(out_text, "out_text");
        *out_text = nullptr;
        give_text(model_of(model)->chat_template(), out_text, out_len);
    });
}

HOARD_API hoard_status hoard_model_render_chat(const hoard_model* model,
                                               const hoard_chat_message* messages,
                                               size_t n_messages, bool add_generation_prompt,
                                               char** out_text, size_t* out_len) {
    return guarded(__func__, [&] {
        require_out(out_text, "out_text");
        *out_text = nullptr;
        const auto m = model_of(model);
        const auto list = messages_argument(messages, n_messages);
        give_text(m->render_chat(list, add_generation_prompt), out_text, out_len);
    });
}

HOARD_API hoard_status hoard_model_evaluate(const hoard_model* model, const int32_t* tokens,
                                            size_t n_tokens, float** out_logits,
                                            size_t* out_n_logits) {
    return guarded(__func__, [&] {
        require_out(out_logits, "out_logits");
        *out_logits = nullptr;
        require_out(out_n_logits, "out_n_logits");
        *out_n_logits = 0;
        const auto m = model_of(model);
        if (n_tokens == 0) fail_argument("no tokens to evaluate");
        if (n_tokens > evaluation_limit(*m))
            fail_argument(std::to_string(n_tokens) + " tokens are more than the model's context (" +
                          std::to_string(evaluation_limit(*m)) + ")");
        const auto span = tokens_argument(tokens, n_tokens, m->n_vocab(), "tokens");
        const std::vector<float> logits = m->evaluate(span);
        give_array<float>(logits, out_logits, out_n_logits);
    });
}

} // extern "C"
