// C ABI: version, cancel tokens, engines and model loading.
#include "capi/call_arguments.hpp"
#include "capi/handle_objects.hpp"
#include "capi/status_boundary.hpp"

#include <filesystem>
#include <system_error>

#ifndef HOARD_VERSION_STRING
#error "the build defines HOARD_VERSION_STRING (the project's version)"
#endif

using namespace hoard::capi;

namespace {

hoard_engine_options default_engine_options() {
    hoard_engine_options o{};
    o.struct_size = sizeof o;
    o.n_threads = 0;
    return o;
}

hoard_load_options default_load_options() {
    hoard_load_options o{};
    o.struct_size = sizeof o;
    o.backend = HOARD_BACKEND_AUTO; // also for callers whose struct ends before it
    return o;
}

hoard::Backend backend_argument(hoard_backend backend) {
    switch (backend) {
    case HOARD_BACKEND_AUTO:
        return hoard::Backend::Auto;
    case HOARD_BACKEND_CPU:
        return hoard::Backend::Cpu;
    case HOARD_BACKEND_CUDA:
        return hoard::Backend::Cuda;
    }
    fail_argument("options->backend is " + std::to_string(backend) +
                  ", not a HOARD_BACKEND_* value (0 auto, 1 cpu, 2 cuda)");
}

// A path that names no file is its own error, so that callers can tell a
// typo from a broken model.
void check_model_path(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status))
        throw CapiError(HOARD_ERROR_NOT_FOUND, path.string() + ": no such file");
    if (std::filesystem::is_directory(status))
        throw CapiError(HOARD_ERROR_BAD_MODEL, path.string() + ": is a folder, not a model file");
}

} // namespace

extern "C" {

HOARD_API const char* hoard_version(void) {
    return HOARD_VERSION_STRING;
}

HOARD_API uint32_t hoard_abi_version(void) {
    return HOARD_ABI_VERSION;
}

// ---------------------------------------------------------------- cancel token

HOARD_API hoard_status hoard_cancel_token_create(hoard_cancel_token** out_token) {
    return guarded(__func__, [&] {
        require_out(out_token, "out_token");
        *out_token = nullptr;
        *out_token = publish<hoard_cancel_token>(std::make_shared<CancelTokenObject>());
    });
}

HOARD_API hoard_status hoard_cancel_token_free(hoard_cancel_token* token) {
    return guarded(__func__, [&] { unpublish<CancelTokenObject>(token); });
}

HOARD_API hoard_status hoard_cancel_token_cancel(hoard_cancel_token* token) {
    return guarded(__func__, [&] { lookup<CancelTokenObject>(token)->cancelled.store(true); });
}

HOARD_API hoard_status hoard_cancel_token_reset(hoard_cancel_token* token) {
    return guarded(__func__, [&] { lookup<CancelTokenObject>(token)->cancelled.store(false); });
}

HOARD_API hoard_status hoard_cancel_token_is_cancelled(const hoard_cancel_token* token,
                                                       bool* out_cancelled) {
    return guarded(__func__, [&] {
        require_out(out_cancelled, "out_cancelled");
        *out_cancelled = lookup<CancelTokenObject>(token)->cancelled.load();
    });
}

// ---------------------------------------------------------------------- engine

HOARD_API hoard_status hoard_engine_options_init(hoard_engine_options* options,
                                                 uint32_t struct_size) {
    return guarded(__func__, [&] {
        init_extensible(options, struct_size, default_engine_options(), "options");
    });
}

HOARD_API hoard_status hoard_engine_create(const hoard_engine_options* options,
                                           hoard_engine** out_engine) {
    return guarded(__func__, [&] {
        require_out(out_engine, "out_engine");
        *out_engine = nullptr;
        const auto o = read_extensible(options, default_engine_options(), "options");
        if (o.n_threads > 4096) fail_argument("options->n_threads is more than 4096");
        auto object = std::make_shared<EngineObject>();
        object->engine = std::make_unique<hoard::Engine>(hoard::Engine::Options{o.n_threads});
        *out_engine = publish<hoard_engine>(std::move(object));
    });
}

HOARD_API hoard_status hoard_engine_free(hoard_engine* engine) {
    return guarded(__func__, [&] { unpublish<EngineObject>(engine); });
}

HOARD_API hoard_status hoard_engine_n_threads(const hoard_engine* engine, uint32_t* out_n_threads) {
    return guarded(__func__, [&] {
        require_out(out_n_threads, "out_n_threads");
        *out_n_threads = uint32_t(lookup<EngineObject>(engine)->engine->n_threads());
    });
}

// --------------------------------------------------------------- model loading

HOARD_API hoard_status hoard_load_options_init(hoard_load_options* options, uint32_t struct_size) {
    return guarded(__func__, [&] {
        init_extensible(options, struct_size, default_load_options(), "options");
    });
}

HOARD_API hoard_status hoard_engine_load_model(hoard_engine* engine, const char* path,
                                               const hoard_load_options* options,
                                               hoard_model** out_model) {
    return guarded(__func__, [&] {
        require_out(out_model, "out_model");
        *out_model = nullptr;
        const auto e = lookup<EngineObject>(engine);
        if (!path) fail_argument("path is NULL");
        if (!*path) fail_argument("path is empty");
        const auto o = read_extensible(options, default_load_options(), "options");
        hoard::LoadOptions load_options;
        load_options.backend = backend_argument(o.backend);
        const auto token = o.cancel ? lookup<CancelTokenObject>(o.cancel) : nullptr;
        const std::filesystem::path file(path);
        check_model_path(file);

        // The engine polls one flag; it is raised when the caller's token is
        // (seen at every progress report) or when the callback says stop.
        std::atomic<bool> stop{false};
        const auto poll_token = [&] {
            if (token && token->cancelled.load()) stop.store(true);
        };
        std::string stage_text;
        const hoard::LoadProgress progress = [&](double fraction, std::string_view stage) {
            poll_token();
            if (!o.progress || stop.load()) return;
            stage_text.assign(stage);
            if (!o.progress(o.progress_user_data, fraction, stage_text.c_str())) stop.store(true);
            poll_token(); // the callback may have raised it
        };
        const auto cancelled = [&] {
            return CapiError(HOARD_ERROR_CANCELLED, file.string() + ": loading cancelled");
        };

        poll_token();
        if (stop.load()) throw cancelled();
        load_options.offload = offload_options_argument(o.offload);
        std::shared_ptr<hoard::Model> model;
        try {
            model = e->engine->load_model(file, progress, &stop, load_options);
        } catch (const hoard::Error& error) {
            if (stop.load()) throw cancelled();
            // With offloading or the CUDA backend, the settings or the GPU may
            // be what the engine refused rather than the file.
            const bool settings = load_options.offload || o.backend == HOARD_BACKEND_CUDA;
            throw CapiError(settings ? HOARD_ERROR_FAILED : HOARD_ERROR_BAD_MODEL, error.what());
        }
        poll_token();
        if (stop.load()) throw cancelled(); // asked for before the load returned
        auto object = std::make_shared<ModelObject>();
        object->model = std::move(model);
        *out_model = publish<hoard_model>(std::move(object));
    });
}

HOARD_API hoard_status hoard_model_free(hoard_model* model) {
    return guarded(__func__, [&] { unpublish<ModelObject>(model); });
}

} // extern "C"
